//! Many requests at once through one client: all succeed and none gets another's answer.

use graph_runtime::{Method, Operation, RequestPath};
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
