//! List paging over loopback: `@odata.nextLink` is followed as sent, through the same client, until a
//! page has none; links to another origin, links that loop and endless lists stop with an error.

use futures_util::{StreamExt, TryStreamExt};
use graph_runtime::{Error, Method, Operation, Pager, QueryOptions, RequestPath};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::*;

const LIST_ITEMS: Operation = Operation::new(Method::Get, "v1.0", "/items");

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: String,
}

fn items_path() -> RequestPath {
    RequestPath::root().literal("items")
}

fn page(ids: &[&str], next_link: Option<String>) -> ResponseTemplate {
    let value: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    let mut body = json!({"@odata.context": "https://graph.example/$metadata#items", "value": value});
    if let (Some(link), Some(object)) = (next_link, body.as_object_mut()) {
        object.insert("@odata.nextLink".to_owned(), Value::String(link));
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn ids(items: &[Item]) -> Vec<&str> {
    items.iter().map(|item| item.id.as_str()).collect()
}

/// Mounts a list of five items in pages of two; the second link's skip token needs encoding.
async fn mount_three_pages(server: &MockServer) {
    let base = format!("{}/v1.0/items?$select=id&$top=2", server.uri());
    Mock::given(path("/v1.0/items"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(page(&["a", "b"], Some(format!("{base}&$skiptoken=p%272"))))
        .mount(server)
        .await;
    Mock::given(path("/v1.0/items"))
        .and(query_param("$skiptoken", "p'2"))
        .respond_with(page(&["c", "d"], Some(format!("{base}&$skiptoken=p3"))))
        .mount(server)
        .await;
    Mock::given(path("/v1.0/items"))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(page(&["e"], None))
        .mount(server)
        .await;
}

fn pager(base_url: &str) -> Pager<Item> {
    client(base_url).pager(LIST_ITEMS, &items_path(), &QueryOptions::new().select(["id"]).top(2))
}

#[tokio::test]
async fn a_three_page_list_is_streamed_fully_following_each_next_link_as_sent() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;

    let items: Vec<Item> = pager(&server.uri()).items().try_collect().await.unwrap();

    assert_eq!(ids(&items), ["a", "b", "c", "d", "e"]);
    let requests = server.received_requests().await.unwrap();
    let queries: Vec<Option<&str>> = requests.iter().map(|request| request.url.query()).collect();
    assert_eq!(
        queries,
        [
            Some("$select=id&$top=2"),
            Some("$select=id&$top=2&$skiptoken=p%272"),
            Some("$select=id&$top=2&$skiptoken=p3"),
        ]
    );
    let bearer = format!("Bearer {TOKEN}");
    for request in &requests {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(header(request, "authorization"), Some(bearer.as_str()));
    }
}

/// The streams' own `next`/`try_next` (called by path here, so no extension trait can stand in):
/// a caller needs no futures crate to walk a list.
#[tokio::test]
async fn the_streams_own_methods_walk_the_list_without_an_extension_trait() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;

    let mut items = pager(&server.uri()).items();
    let mut seen = Vec::new();
    while let Some(item) = graph_runtime::ItemStream::try_next(&mut items).await.unwrap() {
        seen.push(item.id);
    }
    let mut pages = pager(&server.uri()).pages();
    let mut sizes = Vec::new();
    while let Some(page) = graph_runtime::PageStream::next(&mut pages).await {
        sizes.push(page.unwrap().value.len());
    }

    assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    assert_eq!(sizes, [2, 2, 1]);
    // Ended streams stay ended, without asking the server again.
    assert!(graph_runtime::ItemStream::try_next(&mut items).await.unwrap().is_none());
    assert!(graph_runtime::PageStream::next(&mut pages).await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn pages_next_page_and_collect_all_read_the_same_list() {
    let server = MockServer::start().await;
    mount_three_pages(&server).await;

    let sizes: Vec<usize> =
        pager(&server.uri()).pages().map_ok(|page| page.value.len()).try_collect().await.unwrap();
    let all = pager(&server.uri()).collect_all().await.unwrap();
    let mut one_by_one = pager(&server.uri());
    let mut links = Vec::new();
    while let Some(page) = one_by_one.next_page().await {
        links.push(page.unwrap().next_link.is_some());
    }

    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(ids(&all), ["a", "b", "c", "d", "e"]);
    assert_eq!(links, [true, true, false]);
    assert_eq!(one_by_one.pages_received(), 3);
    assert!(one_by_one.next_page().await.is_none(), "a finished pager stays finished");
}

#[tokio::test]
async fn a_throttled_next_page_is_retried_like_any_request() {
    let server = MockServer::start().await;
    Mock::given(query_param("$skiptoken", "p'2"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_three_pages(&server).await;

    let items = pager(&server.uri()).collect_all().await.unwrap();

    assert_eq!(ids(&items), ["a", "b", "c", "d", "e"]);
    let requests = server.received_requests().await.unwrap();
    let retry_attempts: Vec<Option<&str>> =
        requests.iter().map(|request| header(request, "retry-attempt")).collect();
    assert_eq!(retry_attempts, [None, None, Some("1"), None]);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_without_sending_the_token_there() {
    let graph = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET")).respond_with(page(&["x"], None)).expect(0).mount(&elsewhere).await;
    Mock::given(path("/v1.0/items"))
        .respond_with(page(&["a"], Some(format!("{}/v1.0/items?$skiptoken=2", elsewhere.uri()))))
        .mount(&graph)
        .await;

    let mut pages = pager(&graph.uri()).pages();
    let first = pages.next().await.unwrap().unwrap();
    let error = pages.next().await.unwrap().unwrap_err();

    assert_eq!(ids(&first.value), ["a"]);
    assert!(pages.next().await.is_none());
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    assert!(matches!(error, Error::Paging { pages: 1, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.starts_with("GET /v1.0/items: paging stopped after 1 page(s): the next link points to"));
    assert!(message.contains(&elsewhere.uri()), "{message}");
    assert!(!message.contains(TOKEN) && !format!("{error:?}").contains(TOKEN));
    let whole = pager(&graph.uri()).collect_all().await.unwrap_err();
    assert!(matches!(whole, Error::Paging { .. }), "{whole:?}");
}

#[tokio::test]
async fn a_next_link_repeating_the_same_page_stops_with_an_error() {
    let server = MockServer::start().await;
    let same = format!("{}/v1.0/items?$select=id&$top=2", server.uri());
    Mock::given(path("/v1.0/items")).respond_with(page(&["a"], Some(same))).mount(&server).await;

    let mut pager = pager(&server.uri());
    assert_eq!(ids(&pager.next_page().await.unwrap().unwrap().value), ["a"]);
    let error = pager.next_page().await.unwrap().unwrap_err();

    assert!(error.to_string().contains("repeats a page already fetched"), "{error}");
    assert!(pager.next_page().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_next_link_back_to_an_earlier_page_stops_with_an_error() {
    let server = MockServer::start().await;
    let first = format!("{}/v1.0/items?$select=id&$top=2", server.uri());
    Mock::given(query_param_is_missing("$skiptoken"))
        .respond_with(page(&["a"], Some(format!("{first}&$skiptoken=2"))))
        .mount(&server)
        .await;
    Mock::given(query_param("$skiptoken", "2")).respond_with(page(&["b"], Some(first))).mount(&server).await;

    let results: Vec<Result<Item, Error>> = pager(&server.uri()).items().collect().await;

    assert_eq!(results.len(), 3);
    assert!(matches!(&results[..2], [Ok(a), Ok(b)] if a.id == "a" && b.id == "b"), "{results:?}");
    assert!(matches!(&results[2], Err(Error::Paging { pages: 2, .. })), "{results:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// An endless list on the server at this URI: every page links to the next number.
struct Endless(String);

impl Respond for Endless {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let number: u32 = request
            .url
            .query_pairs()
            .find(|(name, _)| name == "$skiptoken")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(1);
        let next = format!("{}/v1.0/items?$skiptoken={}", self.0, number + 1);
        page(&[&number.to_string()], Some(next))
    }
}

#[tokio::test]
async fn max_pages_stops_an_endless_list_after_that_many_pages() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.0/items")).respond_with(Endless(server.uri())).mount(&server).await;

    let mut items = pager(&server.uri()).max_pages(3).items();
    let mut seen = Vec::new();
    let error = loop {
        match items.next().await {
            Some(Ok(item)) => seen.push(item.id),
            Some(Err(error)) => break error,
            None => panic!("an endless list ended after {seen:?}"),
        }
    };

    assert_eq!(seen, ["1", "2", "3"], "{error}");
    assert!(matches!(error, Error::Paging { pages: 3, .. }), "{error:?}");
    assert!(error.to_string().contains("the limit of 3 pages was reached"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_error_page_ends_the_list_after_the_items_before_it() {
    let server = MockServer::start().await;
    Mock::given(query_param_is_missing("$skiptoken"))
        .respond_with(page(&["a", "b"], Some(format!("{}/v1.0/items?$skiptoken=2", server.uri()))))
        .mount(&server)
        .await;
    Mock::given(query_param("$skiptoken", "2"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "itemNotFound", "message": "The page expired."}})),
        )
        .mount(&server)
        .await;

    let results: Vec<Result<Item, Error>> = pager(&server.uri()).items().collect().await;

    assert_eq!(results.len(), 3, "{results:?}");
    assert!(matches!(&results[..2], [Ok(a), Ok(b)] if a.id == "a" && b.id == "b"), "{results:?}");
    let graph = results[2].as_ref().unwrap_err().as_graph().unwrap();
    assert_eq!((graph.status.as_u16(), graph.code()), (404, Some("itemNotFound")));
}

#[tokio::test]
async fn a_page_that_is_not_a_collection_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.0/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"name": "no id"}]})))
        .mount(&server)
        .await;

    let error = pager(&server.uri()).collect_all().await.unwrap_err();

    let Error::Decode(decode) = &error else { panic!("expected a decode error, got {error:?}") };
    assert_eq!(decode.path, "value[0]");
    assert!(decode.message.contains("missing field `id`"), "{error}");
}

#[tokio::test]
async fn a_pager_on_a_dot_dot_id_sends_nothing_and_reports_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(page(&[], None)).expect(0).mount(&server).await;
    let path = RequestPath::root().literal("items").param("..").literal("children");

    let mut pager: Pager<Item> = client(&server.uri()).pager(LIST_ITEMS, &path, &QueryOptions::new());

    assert!(matches!(pager.next_page().await, Some(Err(Error::InvalidPath { .. }))));
    assert!(pager.next_page().await.is_none());
}
