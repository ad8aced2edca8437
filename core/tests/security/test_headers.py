async def test_security_headers_on_every_answer(labdeck_client):
    client = await labdeck_client(frame_ancestors="'self' https://portal.example")
    for path in ("/-/health", "/", "/missing"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://portal.example"
        assert "Referrer-Policy" in response.headers


async def test_oversize_header_is_4xx(labdeck_client):
    client = await labdeck_client()
    response = await client.get("/-/health", headers={"X-Big": "x" * 70000})
    assert 400 <= response.status < 500
