//! Many requests at once through one client: all succeed, none gets another's answer, and a limit
//! on requests in flight holds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use graph_runtime::http::{HeaderMap, StatusCode};
use graph_runtime::transport::{HttpRequest, HttpResponse, TransportFuture};
use graph_runtime::{Method, Operation, RequestPath, Transport};
use serde_json::{json, Value};
use tokio::task::JoinSet;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::*;

const PARALLEL: usize = 200;

const UPDATE_ITEM: Operation = Operation::new(Method::Patch, "v1.0", "/items/{id}");

/// Answers with the id from the path and the number from the body, so a mixed-up response shows.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request.url.path_segments().and_then(|mut segments| segments.next_back()).unwrap_or("");
        let number = request.body_json::<Value>().ok().and_then(|body| body.get("n").cloned());
        ResponseTemplate::new(200).set_body_json(json!({"id": id, "n": number}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_parallel_requests_through_one_client_each_get_their_own_answer() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("PATCH")).respond_with(Echo).mount(&server).await;
    let client = client(&server.uri());

    let mut tasks = JoinSet::new();
    for n in 0..PARALLEL {
        let client = client.clone();
        tasks.spawn(async move {
            let path = RequestPath::root().literal("items").param(&format!("item-{n}"));
            let answer: Result<Value, _> = client.send_json(UPDATE_ITEM, &path, Some(&json!({"n": n}))).await;
            (n, answer)
        });
    }

    let mut answered = 0;
    while let Some(joined) = tasks.join_next().await {
        let (n, answer) = joined.unwrap();
        assert_eq!(answer.unwrap(), json!({"id": format!("item-{n}"), "n": n}));
        answered += 1;
    }
    assert_eq!(answered, PARALLEL);
    assert_eq!(server.received_requests().await.unwrap().len(), PARALLEL);
}

/// Answers every request after a while with `{}`, counting how many it holds at once.
#[derive(Clone, Default)]
struct Slow {
    in_flight: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Transport for Slow {
    fn send(&self, _: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(HttpResponse::new(StatusCode::OK, HeaderMap::new(), "{}"))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_limited_to_three_requests_in_flight_sends_no_more_at_once() {
    let transport = Slow::default();
    let limited = builder("http://127.0.0.1:9")
        .transport(transport.clone())
        .max_concurrent_requests(3)
        .build()
        .unwrap();

    let mut tasks = JoinSet::new();
    for n in 0..12 {
        // Clones share the limit.
        let client = limited.clone();
        tasks.spawn(async move {
            let path = RequestPath::root().literal("items").param(&n.to_string());
            client.send_json::<(), Value>(GET_ITEM, &path, None).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        assert_eq!(joined.unwrap().unwrap(), json!({}));
    }

    assert_eq!(transport.most.load(Ordering::SeqCst), 3);
    let unlimited = builder("http://127.0.0.1:9").transport(transport.clone()).build().unwrap();
    let paths: Vec<RequestPath> =
        ["a", "b", "c", "d"].map(|id| RequestPath::root().literal("items").param(id)).into();
    let get = |n: usize| unlimited.send_json::<(), Value>(GET_ITEM, &paths[n], None);
    let (a, b, c, d) = tokio::join!(get(0), get(1), get(2), get(3));
    assert!(a.is_ok() && b.is_ok() && c.is_ok() && d.is_ok());
    assert_eq!(transport.most.load(Ordering::SeqCst), 4, "without a limit, all four at once");
    let refused = builder("http://127.0.0.1:9").max_concurrent_requests(0).build().unwrap_err();
    assert_eq!(
        refused.to_string(),
        "invalid client configuration: max_concurrent_requests must be at least 1"
    );
}
