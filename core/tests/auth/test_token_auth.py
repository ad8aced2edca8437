from yarl import URL

from labdeck.auth.session import cookie_name
from labdeck_testing import TEST_TOKEN, labdeck_login


async def test_token_in_url_sets_cookie_and_leaves_the_url(labdeck_client):
    client = await labdeck_client(prefix="/w/")
    response = await client.get(f"/w/-/health?x=1&token={TEST_TOKEN}", allow_redirects=False)
    # /-/health is public: no redirect dance there
    assert response.status == 200
    response = await client.get(f"/w/?a=1&token={TEST_TOKEN}", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/w/?a=1"
    cookie = response.cookies[cookie_name("/w/")]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/w/"


async def test_wrong_token_is_refused(labdeck_client):
    client = await labdeck_client()
    response = await client.get("/?token=nope", allow_redirects=False)
    assert response.status == 401
    response = await client.post("/-/login", data={"token": "nope", "next": "/"})
    assert response.status == 401 and "not right" in await response.text()


async def test_browser_is_sent_to_login_page_and_back(labdeck_client):
    client = await labdeck_client()
    response = await client.get("/somewhere/deep?q=1", headers={"Accept": "text/html"}, allow_redirects=False)
    location = URL(response.headers["Location"])
    assert location.path == "/-/login" and location.query["next"] == "/somewhere/deep?q=1"
    response = await client.post("/-/login", data={"token": TEST_TOKEN, "next": "/somewhere/deep?q=1"},
                                 allow_redirects=False)
    assert response.headers["Location"] == "/somewhere/deep?q=1"


async def test_api_clients_may_send_the_token_header(labdeck_client):
    client = await labdeck_client()
    response = await client.get("/", headers={"Authorization": f"token {TEST_TOKEN}"})
    assert response.status == 200


async def test_logout_ends_the_session(labdeck_client):
    client = await labdeck_client()
    await labdeck_login(client)
    assert (await client.get("/")).status == 200
    page = await client.get("/-/logout")  # a page with the button: a link alone never signs out
    assert '<form method="post"' in await page.text()
    assert (await client.get("/")).status == 200
    await client.post("/-/logout")
    assert (await client.get("/")).status == 401


async def test_health_is_public_and_names_plugins(labdeck_client):
    client = await labdeck_client()
    body = await (await client.get("/-/health")).json()
    assert body["status"] == "ok" and "version" in body and body["plugins"] == []
