from fastapi.testclient import TestClient


def test_list_cities_returns_the_pilots(client: TestClient) -> None:
    response = client.get("/api/v1/cities")
    assert response.status_code == 200
    cities = response.json()
    assert [c["slug"] for c in cities][:2] == ["khon-kaen", "chiang-rai"]
    assert len(cities) == 8
    khon_kaen = cities[0]
    assert khon_kaen["name_th"] == "เทศบาลนครขอนแก่น"
    assert khon_kaen["name_en"] == "Khon Kaen City Municipality"
    assert khon_kaen["province"] == "ขอนแก่น"
    phase_two = {c["slug"] for c in cities if c["programme_phase"] == 2}
    assert phase_two == {"chumphon", "ranong"}


def test_get_city_by_slug(client: TestClient) -> None:
    response = client.get("/api/v1/cities/phanat-nikhom")
    assert response.status_code == 200
    assert response.json()["province"] == "ชลบุรี"


def test_unknown_city_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/cities/atlantis")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404
    assert body["detail"]


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cities" in spec["paths"]
    assert not any(path.startswith("/staff") for path in spec["paths"])
    assert client.get("/api/v1/docs").status_code == 200
