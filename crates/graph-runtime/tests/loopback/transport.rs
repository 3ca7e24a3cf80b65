//! A user-supplied transport: the client's retry and header logic runs unchanged over it, no I/O needed.

use graph_runtime::transport::{HeaderMap, HttpResponse, StatusCode};
use graph_runtime::{Client, RequestPath, StaticToken};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn a_custom_transport_receives_fully_built_requests_and_drives_retries() {
    let transport = Scripted::default();
    // Popped from the end: first a 429, then the success.
    transport.answers.lock().unwrap().extend([
        HttpResponse::new(StatusCode::OK, HeaderMap::new(), br#"{"id":"7"}"#.as_slice()),
        HttpResponse::new(StatusCode::TOO_MANY_REQUESTS, HeaderMap::new(), ""),
    ]);
    let client = Client::builder()
        .base_url("https://graph.microsoft.com")
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .transport(transport.clone())
        .build()
        .unwrap();

    let item: Value = client
        .send_json(GET_ITEM, &RequestPath::root().literal("items").param("7"), Some(&json!({"x": 1})))
        .await
        .unwrap();

    assert_eq!(item["id"], "7");
    let seen = transport.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].url.to_string(), "https://graph.microsoft.com/v1.0/items/7");
    assert_eq!(seen[1].headers["authorization"], format!("Bearer {TOKEN}").as_str());
    assert_eq!(seen[1].headers["retry-attempt"], "1");
    assert_eq!(seen[0].body, seen[1].body);
    let debug = format!("{:?}", seen[1]);
    assert!(!debug.contains(TOKEN), "{debug}");
}

#[tokio::test]
async fn a_national_cloud_client_sends_to_that_clouds_endpoint_and_version() {
    let transport = Scripted::default();
    transport.answers.lock().unwrap().push(HttpResponse::new(StatusCode::NO_CONTENT, HeaderMap::new(), ""));
    let client = Client::builder()
        .cloud(graph_runtime::NationalCloud::China)
        .token_provider(StaticToken::new(TOKEN))
        .transport(transport.clone())
        .build()
        .unwrap();

    client.send_no_content::<Value>(ASSIGN, &configuration_path("7").literal("assign"), None).await.unwrap();

    let seen = transport.seen.lock().unwrap();
    assert_eq!(
        seen[0].url.to_string(),
        "https://microsoftgraph.chinacloudapi.cn/beta/deviceManagement/deviceEnrollmentConfigurations/7/assign"
    );
}

#[test]
fn invalid_configuration_is_reported_by_build_without_quoting_header_values() {
    let bad_name = Client::builder().default_header("bad header", "x").build().unwrap_err();
    assert!(bad_name.to_string().contains("\"bad header\" is not a valid header name"), "{bad_name}");
    let bad_value = Client::builder().default_header("x-api-key", "secret\nvalue").build().unwrap_err();
    assert!(!bad_value.to_string().contains("secret"), "{bad_value}");
    let bad_url = Client::builder().base_url("graph.microsoft.com").build().unwrap_err();
    assert!(bad_url.to_string().contains("is not a URL"), "{bad_url}");
}
