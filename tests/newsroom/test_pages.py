def test_home_page_answers(client, db):
    response = client.get("/")
    assert response.status_code == 200


def test_unknown_url_gets_styled_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"bootstrap.min.css" in response.content
