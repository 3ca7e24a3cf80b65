//! Query options reach the server exactly as encoded, and decode back to what the caller set.

use graph_runtime::{Method, Operation, QueryOptions, RequestPath};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const LIST_USERS: Operation = Operation::new(Method::Get, "v1.0", "/users");

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
    let delete = Operation::new(Method::Delete, "v1.0", "/items/{id}");
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

const GET_ROLE_SCOPE_TAGS_BY_IDS: Operation =
    Operation::new(Method::Get, "beta", "/deviceManagement/getRoleScopeTagsByIds");

#[tokio::test]
async fn a_functions_parameters_go_in_its_segment_and_a_collection_by_alias_on_every_page() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/beta/deviceManagement/getRoleScopeTagsByIds(ids=@ids)?@ids=%5B%221%22%5D&$skiptoken=2",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/beta/deviceManagement/getRoleScopeTagsByIds(ids=@ids,platform='it''s',top=2)"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"id": "1"}], "@odata.nextLink": next})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/beta/deviceManagement/getRoleScopeTagsByIds(ids=@ids)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "2"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let parameters = json!({"ids": ["1", "0"], "platform": "it's", "top": 2});
    let request: graph_runtime::Request<'static, graph_runtime::Paged<Value>> = graph_runtime::Request::new(
        &client(&server.uri()),
        GET_ROLE_SCOPE_TAGS_BY_IDS,
        RequestPath::root().literal("deviceManagement").literal("getRoleScopeTagsByIds"),
    )
    .arguments(&parameters, &[]);

    let mut pages = request.pager();
    let mut ids = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        ids.extend(page.value.into_iter().map(|item| item["id"].clone()));
    }

    assert_eq!(ids, [json!("1"), json!("2")]);
    let requests = server.received_requests().await.unwrap();
    let first = requests.first().unwrap();
    assert_eq!(first.url.query(), Some(r#"@ids=%5B%221%22%2C%220%22%5D"#));
    let aliases: Vec<(String, String)> = first.url.query_pairs().into_owned().collect();
    assert_eq!(aliases, [("@ids".to_owned(), r#"["1","0"]"#.to_owned())]);
}

#[tokio::test]
async fn parameters_that_cannot_be_written_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let request: graph_runtime::Request<'static, graph_runtime::Json<Value>> = graph_runtime::Request::new(
        &client(&server.uri()),
        GET_ROLE_SCOPE_TAGS_BY_IDS,
        RequestPath::root().literal("deviceManagement").literal("getRoleScopeTagsByIds"),
    )
    .arguments(&json!({"since": "2021-01-01,top=9"}), &["since"]);

    let error = request.await.unwrap_err();

    assert!(matches!(error, graph_runtime::Error::InvalidArgument { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "GET /beta/deviceManagement/getRoleScopeTagsByIds: the function's parameters were not sent: parameter `since` \
         is not a GUID, date, time or duration: \"2021-01-01,top=9\""
    );
}

#[tokio::test]
async fn options_the_page_does_not_list_are_sent_when_asked_for_by_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "1"}]})))
        .expect(1)
        .mount(&server)
        .await;
    // The default marker, `NoOptions`: `.filter(…)` and `.top(…)` would not compile.
    let request: graph_runtime::Request<'static, graph_runtime::Paged<Value>> =
        graph_runtime::Request::new(&client(&server.uri()), LIST_USERS, RequestPath::root().literal("users"));

    let mut pages = request.unlisted_options(|query| query.filter("displayName eq 'A'").top(2)).pager();
    let page = pages.next_page().await.unwrap().unwrap();

    assert_eq!(page.value, [json!({"id": "1"})]);
    let requests = server.received_requests().await.unwrap();
    let [request] = requests.as_slice() else { panic!("expected one request, got {}", requests.len()) };
    assert_eq!(request.url.query(), Some("$filter=displayName%20eq%20%27A%27&$top=2"));
}
