//! Redirects: followed up to a limit, credentials dropped when the origin changes, 303 turns into GET.

use graph_runtime::Error;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

fn redirect_to(status: u16, location: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", location)
}

#[tokio::test]
async fn a_redirect_to_another_host_arrives_without_the_authorization_header() {
    let origin = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(redirect_to(307, &format!("{}/landing?sig=abc", elsewhere.uri())))
        .expect(1)
        .mount(&origin)
        .await;
    Mock::given(method("POST"))
        .and(path("/landing"))
        .respond_with(ResponseTemplate::new(201).set_body_json(documented_response()))
        .expect(1)
        .mount(&elsewhere)
        .await;

    let assignment: Assignment = client(&origin.uri())
        .send_json(
            CREATE_ASSIGNMENT,
            &configuration_path(CONFIGURATION_ID).literal("assignments"),
            Some(&documented_request()),
        )
        .await
        .unwrap();

    assert_eq!(assignment.source, "policySets");
    let at_origin = origin.received_requests().await.unwrap();
    assert_eq!(header(&at_origin[0], "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let arrived = elsewhere.received_requests().await.unwrap();
    assert_eq!(arrived.len(), 1);
    assert_eq!(header(&arrived[0], "authorization"), None, "the token must not leave its origin");
    assert_eq!(arrived[0].body, at_origin[0].body, "307 resends the same body");
}

#[tokio::test]
async fn a_redirect_on_the_same_origin_keeps_the_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.0/items/old"))
        .respond_with(redirect_to(301, "/v1.0/items/new"))
        .mount(&server)
        .await;
    Mock::given(path("/v1.0/items/new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "new"})))
        .mount(&server)
        .await;

    let item: Value = client(&server.uri())
        .send_json::<Value, _>(
            GET_ITEM,
            &graph_runtime::RequestPath::root().literal("items").param("old"),
            None,
        )
        .await
        .unwrap();

    assert_eq!(item["id"], "new");
    for request in server.received_requests().await.unwrap() {
        assert_eq!(header(&request, "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_limit_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(redirect_to(302, "/v1.0/loop")).mount(&server).await;

    let client = builder(&server.uri()).max_redirects(3).build().unwrap();
    let error = client
        .send_json::<Value, Value>(GET_ITEM, &graph_runtime::RequestPath::root(), None)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert!(error.to_string().contains("302 redirect not followed: the limit of 3 redirects"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_redirect_not_followed_keeps_its_status_and_location_for_the_caller() {
    let server = MockServer::start().await;
    let report = "https://storage.example/reports/1.zip?sig=abc";
    Mock::given(method("GET")).respond_with(redirect_to(302, report)).expect(1).mount(&server).await;

    let client = builder(&server.uri()).max_redirects(0).build().unwrap();
    let error = client
        .send_json::<Value, Value>(GET_ITEM, &graph_runtime::RequestPath::root(), None)
        .await
        .unwrap_err();

    assert_eq!(error.status().map(|status| status.as_u16()), Some(302));
    let Error::Redirect { location, .. } = &error else { panic!("{error:?}") };
    assert_eq!(location.as_deref(), Some(report));
}

#[tokio::test]
async fn see_other_is_followed_with_a_get_and_no_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(redirect_to(303, "/v1.0/result")).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/result"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"done": true})))
        .mount(&server)
        .await;

    let result: Value = client(&server.uri())
        .send_json(
            CREATE_ASSIGNMENT,
            &configuration_path("1").literal("assignments"),
            Some(&documented_request()),
        )
        .await
        .unwrap();

    assert_eq!(result["done"], true);
    let requests = server.received_requests().await.unwrap();
    assert!(requests[1].body.is_empty());
    assert_eq!(header(&requests[1], "content-type"), None);
}
