//! Path parameters stay one segment: the server sees the percent-encoded id, never a changed path or query.

use graph_runtime::{Error, RequestPath};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn injection_attempts_arrive_as_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let attempts = [
        ("../admin", "/v1.0/items/..%2Fadmin/details"),
        ("a/b", "/v1.0/items/a%2Fb/details"),
        ("x?$select=secret", "/v1.0/items/x%3F%24select=secret/details"),
        ("x#fragment", "/v1.0/items/x%23fragment/details"),
        ("100%", "/v1.0/items/100%25/details"),
        ("with space", "/v1.0/items/with%20space/details"),
        ("%2e%2e", "/v1.0/items/%252e%252e/details"),
        ("é/ü", "/v1.0/items/%C3%A9%2F%C3%BC/details"),
    ];

    for (id, _) in attempts {
        let path = RequestPath::root().literal("items").param(id).literal("details");
        client.send_json::<Value, Value>(GET_ITEM, &path, None).await.unwrap();
    }

    let seen: Vec<(String, Option<String>)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| (request.url.path().to_owned(), request.url.query().map(str::to_owned)))
        .collect();
    let expected: Vec<(String, Option<String>)> =
        attempts.iter().map(|(_, encoded)| ((*encoded).to_owned(), None)).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_dot_dot_id_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;

    let error = client(&server.uri())
        .send_json::<Value, Value>(GET_ITEM, &RequestPath::root().literal("items").param(".."), None)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::InvalidPath { .. }), "{error:?}");
    assert!(error.to_string().contains("was not sent"), "{error}");
}
