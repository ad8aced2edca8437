"""Nothing secret reaches the log: not the token after the start line, not a Basic password,
not a cookie value, even at debug level."""

import base64

import aiohttp


async def test_debug_log_has_no_token_cookie_or_password(labdeck_server):
    server = labdeck_server(env={"LABDECK_LOG_LEVEL": "debug"})
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{server.url}?token={server.token}&x=1") as response:
            assert response.status == 200
        cookie = next(iter(session.cookie_jar)).value
        async with session.get(server.url + "missing?token=" + server.token) as response:
            assert response.status == 404
    server.stop()
    log = "".join(server.output)
    start_line = next(line for line in server.output if "?token=" in line)
    assert log.count(server.token) == 1, "the token appears beyond the sign-in URL printed at start"
    assert server.token in start_line
    assert cookie not in log
    assert "GET /missing 404" in log  # the access log is on at debug level, without the query


async def test_basic_password_never_logged(labdeck_server):
    password = "correct-horse-battery"
    server = labdeck_server(env={"AUTH_USERNAME": "ann", "AUTH_PASSWORD": password, "LABDECK_LOG_LEVEL": "debug"})
    header = {"Authorization": "Basic " + base64.b64encode(f"ann:{password}x".encode()).decode()}
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url, headers=header) as response:
            assert response.status == 401
    server.stop()
    assert password not in "".join(server.output)
