//! Query options reach the server exactly as encoded, and decode back to what the caller set.

use graph_runtime::{Method, Operation, QueryOptions, RequestPath};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const LIST_USERS: Operation = Operation { method: Method::Get, version: "v1.0", template: "/users" };

#[tokio::test]
async fn every_option_arrives_encoded_in_a_fixed_order_and_decodes_to_what_was_set() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;
    let filter = "startswith(displayName,'A&B é') and mail ne null";
    let query = QueryOptions::new()
        .top(5)
        .filter(filter)
        .select(["id", "displayName"])
        .orderby(["displayName desc"])
        .count(true)
        .search("\"displayName:A+B\"")
        .expand(["manager($select=id)"])
        .param("startDateTime", "2024-01-01T00:00:00+01:00");

    client(&server.uri())
        .send_json_with::<Value, Value>(LIST_USERS, &RequestPath::root().literal("users"), &query, None)
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let [request] = requests.as_slice() else { panic!("expected one request, got {}", requests.len()) };
    assert_eq!(
        request.url.query(),
        Some(
            "$select=id,displayName\
             &$expand=manager%28%24select%3Did%29\
             &$filter=startswith%28displayName%2C%27A%26B%20%C3%A9%27%29%20and%20mail%20ne%20null\
             &$search=%22displayName%3AA%2BB%22\
             &$orderby=displayName%20desc\
             &$top=5&$count=true\
             &startDateTime=2024-01-01T00%3A00%3A00%2B01%3A00"
        )
    );
    let decoded: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let expected = [
        ("$select", "id,displayName"),
        ("$expand", "manager($select=id)"),
        ("$filter", filter),
        ("$search", "\"displayName:A+B\""),
        ("$orderby", "displayName desc"),
        ("$top", "5"),
        ("$count", "true"),
        ("startDateTime", "2024-01-01T00:00:00+01:00"),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()));
    assert_eq!(decoded, expected);
}

#[tokio::test]
async fn query_options_go_with_a_body_less_delete_and_none_means_no_query_string() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let delete = Operation { method: Method::Delete, version: "v1.0", template: "/items/{id}" };
    let client = client(&server.uri());
    let item = RequestPath::root().literal("items").param("1");

    client
        .send_no_content_with(delete, &item, &QueryOptions::new().param("force", "true"), None::<&()>)
        .await
        .unwrap();
    client.send_no_content_with(delete, &item, &QueryOptions::new(), None::<&()>).await.unwrap();

    let queries: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| request.url.query().map(str::to_owned))
        .collect();
    assert_eq!(queries, [Some("force=true".to_owned()), None]);
}
