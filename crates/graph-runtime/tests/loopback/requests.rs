//! `Request`, the value generated operation methods return: awaited it sends once with the options
//! set on it and reads the response as its `Expect` says; a `Paged` request walks the next links.

use futures_util::TryStreamExt;
use graph_runtime::{
    options, Json, JsonOrNoContent, Method, NoContent, Operation, Paged, Raw, Request, RequestPath,
};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const LIST_ITEMS: Operation = Operation::new(Method::Get, "v1.0", "/items");
const UPDATE_ITEM: Operation = Operation::new(Method::Patch, "v1.0", "/items/{id}");
const CREATE_ITEM: Operation = Operation::new(Method::Post, "v1.0", "/items");

/// A marker as the generated crate defines one for a page listing `$select` and `$top`.
enum SelectTop {}
impl options::Select for SelectTop {}
impl options::Top for SelectTop {}

#[tokio::test]
async fn an_awaited_request_sends_its_options_and_decodes_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items/7"))
        .and(query_param("$select", "id,name"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "7", "name": "seven"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let request: Request<'static, Json<Value>, SelectTop> =
        Request::new(&client, GET_ITEM, RequestPath::root().literal("items").param("7"));
    let request = request.select(["id"]).select(["name"]);
    assert_eq!(request.query().to_query_string(), "$select=id,name");
    let item = request.await.unwrap();

    assert_eq!(item, json!({"id": "7", "name": "seven"}));
}

#[tokio::test]
async fn a_body_is_sent_as_json_and_no_content_reads_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/items/7"))
        .and(body_json(json!({"name": "renamed"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = json!({"name": "renamed"});

    let request: Request<'_, NoContent, options::NoOptions, Value> =
        Request::new(&client, UPDATE_ITEM, RequestPath::root().literal("items").param("7")).body(&body);
    // A request is a value: a clone sends the same call again.
    let () = request.clone().send().await.unwrap();
    let () = request.await.unwrap();
}

#[tokio::test]
async fn an_update_yields_the_object_or_none_when_the_service_answers_without_one() {
    let server = MockServer::start().await;
    // As Intune answers an update whatever its page says, and any service `Prefer: return=minimal`.
    Mock::given(method("PATCH"))
        .and(path("/v1.0/items/7"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    // As the pages document it.
    Mock::given(method("PATCH"))
        .and(path("/v1.0/items/8"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "8", "name": "renamed"})))
        .mount(&server)
        .await;
    // 200 with no body at all.
    Mock::given(method("PATCH"))
        .and(path("/v1.0/items/9"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = json!({"name": "renamed"});
    let update = |id: &str| -> Request<'_, JsonOrNoContent<Value>, options::NoOptions, Value> {
        Request::new(&client, UPDATE_ITEM, RequestPath::root().literal("items").param(id)).body(&body)
    };

    assert_eq!(update("7").await.unwrap(), None);
    assert_eq!(update("8").await.unwrap(), Some(json!({"id": "8", "name": "renamed"})));
    assert_eq!(update("9").await.unwrap(), None);
    // The same answers read as `Json` (a create's): the object, or an error that says why.
    let as_json = |id: &str| -> Request<'_, Json<Value>, options::NoOptions, Value> {
        Request::new(&client, UPDATE_ITEM, RequestPath::root().literal("items").param(id)).body(&body)
    };
    assert_eq!(as_json("8").await.unwrap(), json!({"id": "8", "name": "renamed"}));
    let error = as_json("7").await.unwrap_err().to_string();
    assert!(error.contains("HTTP 204 No Content response is not a valid"), "{error}");
    // Saying what to do about it.
    let hint = "the response has no body (a request's `.allow_no_content()` reads that as `None`; \
                `Client::send_no_content` sends a call whose success has none)";
    assert!(error.contains(hint), "{error}");
}

#[tokio::test]
async fn a_response_gives_the_status_and_headers_beside_what_the_request_reads() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/items"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", "https://graph.microsoft.com/v1.0/items('8')")
                .insert_header("request-id", "rid-201")
                .set_body_json(json!({"id": "8", "name": "new"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items/9"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("request-id", "rid-404")
                .set_body_json(json!({"error": {"code": "ResourceNotFound", "message": "No item 9."}})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = json!({"name": "new"});

    let request: Request<'_, Json<Value>, options::NoOptions, Value> =
        Request::new(&client, CREATE_ITEM, RequestPath::root().literal("items")).body(&body);
    let response = request.response().await.unwrap();

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "https://graph.microsoft.com/v1.0/items('8')");
    assert_eq!(response.headers()["request-id"], "rid-201");
    assert_eq!(response.into_body(), json!({"id": "8", "name": "new"}));
    // A failure is the error `send` gives, with the failed response's headers.
    let missing: Request<'static, Json<Value>> =
        Request::new(&client, GET_ITEM, RequestPath::root().literal("items").param("9"));
    let error = missing.response().await.unwrap_err();
    let error = error.as_graph().unwrap();
    assert_eq!(error.status, 404);
    assert_eq!(error.request_id(), Some("rid-404"));
}

#[tokio::test]
async fn a_create_that_allows_no_content_yields_none_for_a_minimal_answer() {
    let server = MockServer::start().await;
    // What a service answers a create sent with `Prefer: return=minimal`.
    Mock::given(method("POST"))
        .and(path("/v1.0/items"))
        .and(header("prefer", "return=minimal"))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("location", "https://graph.microsoft.com/v1.0/items('8')"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/items"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "8", "name": "new"})))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = json!({"name": "new"});
    let create = || -> Request<'_, Json<Value>, options::NoOptions, Value> {
        Request::new(&client, CREATE_ITEM, RequestPath::root().literal("items")).body(&body)
    };

    let minimal = create().header("Prefer", "return=minimal").allow_no_content().response().await.unwrap();
    assert_eq!(minimal.status(), 204);
    assert_eq!(minimal.headers()["location"], "https://graph.microsoft.com/v1.0/items('8')");
    assert_eq!(minimal.into_body(), None);
    // Without the header the service answers with the object, which still comes back typed.
    assert_eq!(create().allow_no_content().await.unwrap(), Some(json!({"id": "8", "name": "new"})));
}

#[tokio::test]
async fn a_body_of_a_derived_type_is_sent_naming_it_unless_it_names_a_type_itself() {
    let server = MockServer::start().await;
    // Each body exactly once, as it must arrive.
    let arrived = [
        json!({"@odata.type": "#microsoft.graph.leafItem", "name": "leaf"}),
        json!({"@odata.type": "#microsoft.graph.deeperItem", "name": "deep"}),
    ];
    for body in arrived {
        Mock::given(method("POST"))
            .and(path("/v1.0/items"))
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server.uri());
    // The first body names no type: the request's is added. The second names a type derived
    // further, which is kept.
    for body in
        [json!({"name": "leaf"}), json!({"@odata.type": "#microsoft.graph.deeperItem", "name": "deep"})]
    {
        let request: Request<'_, NoContent, options::NoOptions, Value> =
            Request::new(&client, CREATE_ITEM, RequestPath::root().literal("items"))
                .body(&body)
                .body_type("#microsoft.graph.leafItem");
        let () = request.await.unwrap();
    }
}

#[tokio::test]
async fn a_raw_request_yields_the_body_as_it_came() {
    let server = MockServer::start().await;
    // Not JSON: a stream result may be a file of any kind.
    let report = b"Id,Name\r\n7,seven\r\n\xff";
    Mock::given(method("POST"))
        .and(path("/v1.0/reports/getReport"))
        .and(body_json(json!({"name": "devices"})))
        // As Microsoft's SDKs ask for a stream: the bytes, or Graph's JSON error.
        .and(|request: &wiremock::Request| {
            request
                .headers
                .get("accept")
                .is_some_and(|value| value == "application/octet-stream, application/json")
        })
        .respond_with(ResponseTemplate::new(200).set_body_raw(report.to_vec(), "text/csv"))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    const GET_REPORT: Operation = Operation::new(Method::Post, "v1.0", "/reports/getReport");
    let body = json!({"name": "devices"});

    let request: Request<'_, Raw, options::NoOptions, Value> =
        Request::new(&client, GET_REPORT, RequestPath::root().literal("reports").literal("getReport"))
            .body(&body);
    let bytes = request.clone().await.unwrap();
    assert_eq!(bytes.as_ref(), report);
    // `.response()` tells what the bytes are.
    let response = request.response().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv");
    assert_eq!(response.body().as_ref(), report);
}

#[tokio::test]
async fn a_paged_request_yields_the_first_page_or_every_item_across_next_links() {
    let server = MockServer::start().await;
    let next = format!("{}/v1.0/items?$skiptoken=2", server.uri());
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [3]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .and(query_param("$top", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [1, 2], "@odata.nextLink": next})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let list = || -> Request<'static, Paged<u32>, SelectTop> {
        Request::new(&client, LIST_ITEMS, RequestPath::root().literal("items")).top(2)
    };

    let first = list().await.unwrap();
    assert_eq!((first.value, first.next_link.as_deref()), (vec![1, 2], Some(next.as_str())));
    let all: Vec<u32> = list().items().try_collect().await.unwrap();
    assert_eq!(all, [1, 2, 3]);
    assert_eq!(list().pager().collect_all().await.unwrap(), [1, 2, 3]);
}

#[tokio::test]
async fn an_answer_a_model_does_not_fit_can_be_read_as_json_instead() {
    let server = MockServer::start().await;
    // `sourceId` is a number here, where the model documents a string.
    let answer = json!({"id": "a1", "source": "direct", "sourceId": 7, "target": {}});
    Mock::given(method("GET"))
        .and(path("/v1.0/items/a1"))
        .and(query_param("$select", "id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [answer.clone()]})))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let get = || -> Request<'static, Json<Assignment>, SelectTop> {
        Request::new(&client, GET_ITEM, RequestPath::root().literal("items").param("a1")).select(["id"])
    };

    let Err(graph_runtime::Error::Decode(error)) = get().await else { panic!("a number is not a string") };
    assert_eq!(error.path, "sourceId");
    // The same request, options and all, read as JSON; or as its bytes.
    assert_eq!(get().read_as::<Json<Value>>().await.unwrap(), answer);
    let bytes = get().read_as::<Raw>().await.unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), answer);
    // A list's items, page after page.
    let list: Request<'static, Paged<Assignment>> =
        Request::new(&client, LIST_ITEMS, RequestPath::root().literal("items"));
    let items: Vec<Value> = list.read_as::<Paged<Value>>().items().try_collect().await.unwrap();
    assert_eq!(items, [answer]);
}

#[tokio::test]
async fn a_service_error_from_an_awaited_request_names_the_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "ResourceNotFound", "message": "no item 9"}})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let request: Request<'static, Json<Value>> =
        Request::new(&client, GET_ITEM, RequestPath::root().literal("items").param("9"));
    let error = request.await.unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!(graph.code(), Some("ResourceNotFound"));
    assert!(error.to_string().contains("GET /v1.0/items/{id}"), "{error}");
}

#[tokio::test]
async fn headers_set_on_a_request_go_with_it_and_with_every_page_of_its_list() {
    let server = MockServer::start().await;
    let next = format!("{}/v1.0/items?$skiptoken=2", server.uri());
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .and(query_param("$skiptoken", "2"))
        .and(header("consistencylevel", "eventual"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [3]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .and(query_param("$top", "2"))
        .and(header("consistencylevel", "eventual"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [1, 2], "@odata.nextLink": next})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/items/7"))
        .and(header("if-match", "W/\"3\""))
        .and(header("prefer", "return=minimal"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let list: Request<'static, Paged<u32>, SelectTop> =
        Request::new(&client, LIST_ITEMS, RequestPath::root().literal("items"));
    let list = list.top(2).header("ConsistencyLevel", "eventual");
    assert_eq!(list.headers()["consistencylevel"], "eventual");
    assert!(!format!("{list:?}").contains("eventual"), "{list:?}");
    let all: Vec<u32> = list.items().try_collect().await.unwrap();
    assert_eq!(all, [1, 2, 3]);

    let body = json!({"name": "renamed"});
    let update: Request<'_, NoContent, options::NoOptions, Value> =
        Request::new(&client, UPDATE_ITEM, RequestPath::root().literal("items").param("7")).body(&body);
    let () = update.header("If-Match", "W/\"3\"").header("Prefer", "return=minimal").await.unwrap();
}

#[tokio::test]
async fn a_header_http_does_not_allow_fails_the_request_naming_it_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let client = client(&server.uri());

    let get: Request<'static, Json<Value>> =
        Request::new(&client, GET_ITEM, RequestPath::root().literal("items").param("7"));
    let error = get.header("X-Note", "secret\nvalue").await.unwrap_err();
    assert!(
        matches!(&error, graph_runtime::Error::InvalidHeader { name, .. } if name == "X-Note"),
        "{error:?}"
    );
    assert!(!error.to_string().contains("secret"), "{error}");

    let list: Request<'static, Paged<u32>> =
        Request::new(&client, LIST_ITEMS, RequestPath::root().literal("items"));
    let mut pager = list.header("bad name", "x").pager();
    assert!(matches!(pager.next_page().await, Some(Err(graph_runtime::Error::InvalidHeader { .. }))));
    assert!(pager.next_page().await.is_none());
}
