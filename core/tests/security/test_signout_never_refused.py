"""A plugin's ``authorize`` refusing someone must not lock them into their session:
signing out (and so signing in as someone else) always works."""

from labdeck import hookimpl
from labdeck_testing import labdeck_login


class RefuseEveryone:
    @hookimpl
    def authorize(self, principal, request):
        return False


async def test_refused_user_can_still_sign_out(labdeck_client):
    client = await labdeck_client({"refuse": RefuseEveryone()}, prefix="/user/alice/")
    await labdeck_login(client)
    refused = await client.get("/user/alice/")
    assert refused.status == 403 and "/user/alice/-/logout" in await refused.text()
    sign_out = await client.get("/user/alice/-/logout")
    assert sign_out.status == 200 and '<form method="post"' in await sign_out.text()
    signed_out = await client.post("/user/alice/-/logout")
    assert signed_out.status == 200 and "Signed out" in await signed_out.text()
    assert (await client.get("/user/alice/")).status == 401
