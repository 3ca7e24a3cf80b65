//! JSON batching through the real transport: requests go in one `$batch` per version and twenty,
//! each answer reads as its own request's `.await` would, and what the service asks to retry is
//! sent again alone.

use std::sync::{Arc, Mutex};

use graph_runtime::http::StatusCode;
use graph_runtime::{
    Answers, Batch, Error, Json, Method, NoContent, Operation, Paged, Raw, Request, RequestPath, Ticket,
};
use serde_json::{json, Value};
use wiremock::matchers::{header as header_is, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const DELETE_ITEM: Operation = Operation::new(Method::Delete, "v1.0", "/items/{id}");
const LIST_ITEMS: Operation = Operation::new(Method::Get, "v1.0", "/items");
const UPDATE_ITEM: Operation = Operation::new(Method::Patch, "v1.0", "/items/{id}");
const REPORT: Operation = Operation::new(Method::Post, "v1.0", "/reports/getReport");

fn get_item(client: &graph_runtime::Client, id: &str) -> Request<'static, Json<Value>> {
    Request::new(client, GET_ITEM, RequestPath::root().literal("items").param(id))
}

/// The requests of every `$batch` the server received, by version.
async fn batches(server: &MockServer) -> Vec<(String, Vec<Value>)> {
    let received = server.received_requests().await.unwrap();
    received
        .iter()
        .map(|request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            (request.url.path().to_owned(), body["requests"].as_array().unwrap().clone())
        })
        .collect()
}

/// Answers every request of a batch with what `answer` gives for its URL (status, body, headers).
fn batch_server(
    answer: impl Fn(&str, &Value) -> (u16, Value, Value) + Send + Sync + 'static,
) -> impl Fn(&wiremock::Request) -> ResponseTemplate + Send + Sync + 'static {
    move |request: &wiremock::Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let responses: Vec<Value> = body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|request| {
                let (status, body, headers) = answer(request["url"].as_str().unwrap(), request);
                json!({"id": request["id"], "status": status, "headers": headers, "body": body})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"responses": responses}))
    }
}

#[tokio::test]
async fn requests_go_in_one_batch_per_version_and_each_answer_reads_as_its_own_would() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header_is("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(batch_server(|url, _| match url {
            "/items/7?$select=id" => (200, json!({"id": "7"}), json!({"Content-Type": "application/json"})),
            "/items/missing" => (
                404,
                json!({"error": {"code": "ResourceNotFound", "message": "No item missing."}}),
                json!({"request-id": "r-404"}),
            ),
            _ => (201, documented_response(), json!({"Location": "https://graph.microsoft.com/beta/x/1"})),
        }))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = documented_request();

    let mut batch = client.batch();
    let item = batch.add(get_item(&client, "7").unlisted_options(|query| query.select(["id"])));
    let created = batch.add(
        Request::<Json<Assignment>>::new(
            &client,
            CREATE_ASSIGNMENT,
            configuration_path(CONFIGURATION_ID).literal("assignments"),
        )
        .body(&body)
        .header("Prefer", "return=representation"),
    );
    let missing = batch.add(get_item(&client, "missing"));
    assert_eq!(batch.len(), 3);
    let mut answers = batch.send().await;

    assert_eq!(answers.take(item).unwrap(), json!({"id": "7"}));
    let created = answers.response(created).unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["location"], "https://graph.microsoft.com/beta/x/1");
    assert_eq!(created.body().source, "policySets");
    let error = answers.take(missing).unwrap_err();
    let graph = error.as_graph().expect("the request's own Graph error");
    assert_eq!(graph.status, StatusCode::NOT_FOUND);
    assert_eq!(graph.body.as_ref().map(|body| body.code.as_str()), Some("ResourceNotFound"));
    assert_eq!(graph.headers["request-id"], "r-404");
    assert!(error.to_string().starts_with("GET /v1.0/items/{id}: "), "{error}");

    let sent = batches(&server).await;
    let expected = [
        (
            "/beta/$batch".to_owned(),
            vec![json!({
                "id": "1",
                "method": "POST",
                "url": create_assignment_url_path().trim_start_matches("/beta"),
                "headers": {"prefer": "return=representation", "Content-Type": "application/json"},
                "body": body,
            })],
        ),
        (
            "/v1.0/$batch".to_owned(),
            vec![
                json!({"id": "0", "method": "GET", "url": "/items/7?$select=id"}),
                json!({"id": "2", "method": "GET", "url": "/items/missing"}),
            ],
        ),
    ];
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn more_than_twenty_requests_go_in_batches_of_twenty() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(batch_server(|url, _| {
            (200, json!({"id": url.trim_start_matches("/items/")}), json!({}))
        }))
        .expect(3)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let mut batch = client.batch();
    let tickets: Vec<_> = (0..45).map(|n| batch.add(get_item(&client, &n.to_string()))).collect();
    let mut answers = batch.send().await;

    for (n, ticket) in tickets.into_iter().enumerate() {
        assert_eq!(answers.take(ticket).unwrap(), json!({"id": n.to_string()}));
    }
    let sizes: Vec<usize> = batches(&server).await.iter().map(|(_, requests)| requests.len()).collect();
    assert_eq!(sizes, [20, 20, 5]);
}

#[tokio::test]
async fn a_request_the_service_asks_to_retry_is_sent_again_alone_within_the_retry_policy() {
    let server = MockServer::start().await;
    let throttled = Arc::new(Mutex::new(0));
    let count = Arc::clone(&throttled);
    Mock::given(method("POST"))
        .respond_with(batch_server(move |url, _| match url {
            // Throttled twice, then answered; the other always throttled.
            "/items/busy" => {
                let mut count = count.lock().unwrap();
                *count += 1;
                match *count {
                    1 | 2 => (
                        429,
                        json!({"error": {"code": "TooManyRequests", "message": "Slow down."}}),
                        json!({"Retry-After": "0"}),
                    ),
                    _ => (200, json!({"id": "busy"}), json!({})),
                }
            }
            "/items/always-busy" => (503, json!({}), json!({})),
            _ => (204, Value::Null, json!({})),
        }))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).retry_policy(fast_retries().with_max_retries(3)).build().unwrap();

    let mut batch = client.batch();
    let deleted = batch.add(Request::<NoContent>::new(
        &client,
        DELETE_ITEM,
        RequestPath::root().literal("items").param("old"),
    ));
    let busy = batch.add(get_item(&client, "busy"));
    let always_busy = batch.add(get_item(&client, "always-busy"));
    let mut answers = batch.send().await;

    answers.take(deleted).unwrap();
    assert_eq!(answers.take(busy).unwrap(), json!({"id": "busy"}));
    let gave_up = answers.take(always_busy).unwrap_err();
    let graph = gave_up.as_graph().expect("the last answer's Graph error");
    assert_eq!((graph.status, graph.attempts), (StatusCode::SERVICE_UNAVAILABLE, 4));
    let urls = batched_urls(&server).await;
    let again = || vec!["/items/busy".to_owned(), "/items/always-busy".to_owned()];
    assert_eq!(
        urls,
        [
            vec!["/items/old".to_owned(), "/items/busy".to_owned(), "/items/always-busy".to_owned()],
            again(),
            again(),
            vec!["/items/always-busy".to_owned()]
        ]
    );
}

/// Batches `/items/slow` and `/items/quick` to `server`, with the tests' fast retries: the answers,
/// and each one's ticket.
async fn send_slow_and_quick(server: &MockServer) -> (Answers, Ticket<Json<Value>>, Ticket<Json<Value>>) {
    let client = builder(&server.uri()).build().unwrap();
    let mut batch = client.batch();
    let slow = batch.add(get_item(&client, "slow"));
    let quick = batch.add(get_item(&client, "quick"));
    (batch.send().await, slow, quick)
}

#[tokio::test]
async fn another_requests_long_retry_after_does_not_use_up_a_requests_own_wait_budget() {
    let server = MockServer::start().await;
    let quick_calls = Arc::new(Mutex::new(0));
    let count = Arc::clone(&quick_calls);
    let slow_down = || json!({"error": {"code": "TooManyRequests", "message": "Slow down."}});
    Mock::given(method("POST"))
        .respond_with(batch_server(move |url, _| match url {
            // Beyond the 5 s budget of waiting: not retried.
            "/items/slow" => (429, slow_down(), json!({"Retry-After": "10"})),
            _ => {
                let mut count = count.lock().unwrap();
                *count += 1;
                match *count {
                    1 => (429, slow_down(), json!({"Retry-After": "0"})),
                    _ => (200, json!({"id": "quick"}), json!({})),
                }
            }
        }))
        .mount(&server)
        .await;
    let (mut answers, slow, quick) = send_slow_and_quick(&server).await;

    assert_eq!(answers.take(quick).unwrap(), json!({"id": "quick"}));
    let gave_up = answers.take(slow).unwrap_err();
    assert_eq!(
        gave_up.as_graph().map(|graph| (graph.status, graph.attempts)),
        Some((StatusCode::TOO_MANY_REQUESTS, 1))
    );
    assert_eq!(
        batched_urls(&server).await,
        [vec!["/items/slow".to_owned(), "/items/quick".to_owned()], vec!["/items/quick".to_owned()]]
    );
}

#[tokio::test]
async fn a_retry_is_not_held_back_for_anothers_longer_wait() {
    let server = MockServer::start().await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&calls);
    let slow_down = || json!({"error": {"code": "TooManyRequests", "message": "Slow down."}});
    Mock::given(method("POST"))
        .respond_with(batch_server(move |url, _| {
            let mut seen = seen.lock().unwrap();
            let first = !seen.iter().any(|earlier: &String| earlier == url);
            seen.push(url.to_owned());
            match (url, first) {
                ("/items/slow", true) => (429, slow_down(), json!({"Retry-After": "2"})),
                ("/items/quick", true) => (429, slow_down(), json!({"Retry-After": "0"})),
                (_, _) => (200, json!({"id": url}), json!({})),
            }
        }))
        .mount(&server)
        .await;
    let (mut answers, slow, quick) = send_slow_and_quick(&server).await;

    assert_eq!(answers.take(quick).unwrap(), json!({"id": "/items/quick"}));
    assert_eq!(answers.take(slow).unwrap(), json!({"id": "/items/slow"}));
    // The quick one again at once, the slow one two seconds later: three rounds, not two.
    let urls = batched_urls(&server).await;
    assert_eq!(
        urls,
        [
            vec!["/items/slow".to_owned(), "/items/quick".to_owned()],
            vec!["/items/quick".to_owned()],
            vec!["/items/slow".to_owned()]
        ]
    );
}

#[tokio::test]
async fn a_retry_whose_wait_is_over_joins_the_round_of_requests_that_follow_others() {
    let server = MockServer::start().await;
    let throttled = Arc::new(Mutex::new(false));
    let once = Arc::clone(&throttled);
    Mock::given(method("POST"))
        .respond_with(batch_server(move |url, _| {
            let mut throttled = once.lock().unwrap();
            match url {
                "/items/a" if !*throttled => {
                    *throttled = true;
                    (
                        429,
                        json!({"error": {"code": "TooManyRequests", "message": "Slow down."}}),
                        json!({"Retry-After": "0"}),
                    )
                }
                _ => (200, json!({"id": url}), json!({})),
            }
        }))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();

    let mut batch = client.batch();
    let a = batch.add(get_item(&client, "a"));
    let b = batch.add(get_item(&client, "b"));
    let c = batch.add_after([b.id()], get_item(&client, "c"));
    let mut answers = batch.send().await;

    for (ticket, url) in [(a, "/items/a"), (b, "/items/b"), (c, "/items/c")] {
        assert_eq!(answers.take(ticket).unwrap(), json!({"id": url}));
    }
    let urls = batched_urls(&server).await;
    let round = |urls: &[&str]| urls.iter().map(|url| (*url).to_owned()).collect::<Vec<_>>();
    assert_eq!(urls, [round(&["/items/a", "/items/b"]), round(&["/items/a", "/items/c"])]);
}

#[tokio::test]
async fn a_batch_that_fails_as_a_whole_fails_its_requests_with_its_error_and_the_others_stand() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/beta/$batch"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": {"code": "BadRequest", "message": "Invalid batch payload format."}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(batch_server(|_, _| (200, json!({"id": "7"}), json!({}))))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let body = documented_request();

    let mut batch = client.batch();
    let refused = batch.add(
        Request::<Json<Value>>::new(
            &client,
            CREATE_ASSIGNMENT,
            configuration_path("1").literal("assignments"),
        )
        .body(&body),
    );
    let item = batch.add(get_item(&client, "7"));
    let mut answers = batch.send().await;

    assert_eq!(answers.take(item).unwrap(), json!({"id": "7"}));
    let error = answers.take(refused).unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    let Error::Batch { source: Some(source), .. } = &error else { panic!("{error:?}") };
    assert_eq!(
        source.as_graph().and_then(|graph| graph.body.as_ref()).map(|body| body.code.as_str()),
        Some("BadRequest")
    );
    assert_eq!(
        error.to_string(),
        "POST /beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments: \
         batched: the `$batch` request carrying it failed: POST /beta/$batch: HTTP 400 Bad Request: BadRequest: Invalid batch payload format."
    );
}

#[tokio::test]
async fn what_cannot_be_batched_fails_its_own_ticket_and_nothing_else() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|_, _| (200, json!({"id": "7"}), json!({}))))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let mut batch = client.batch();
    let bad_header = batch.add(get_item(&client, "7").header("bad header", "x"));
    let stream = batch.add(Request::<Raw>::new(
        &client,
        REPORT,
        RequestPath::root().literal("reports").literal("getReport"),
    ));
    let dot = batch.add(get_item(&client, ".."));
    let item = batch.add(get_item(&client, "7"));
    let described = format!("{batch:?}");
    assert!(
        described.starts_with(r#"Batch { operations: ["(not sent: GET /v1.0/items/{id}: header"#),
        "{described}"
    );
    assert!(described.contains(r#", "GET /v1.0/items/{id}"], .."#), "{described}");
    let mut answers = batch.send().await;

    assert!(matches!(answers.take(bad_header), Err(Error::InvalidHeader { .. })));
    let stream = answers.take(stream).unwrap_err().to_string();
    assert!(
        stream.ends_with("batched: a stream's bytes do not come through a JSON batch; send it alone"),
        "{stream}"
    );
    assert!(matches!(answers.take(dot), Err(Error::InvalidPath { .. })));
    assert_eq!(answers.take(item).unwrap(), json!({"id": "7"}));
    let sent = batches(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.len(), 1, "only the request that can be sent: {sent:?}");
}

#[tokio::test]
async fn a_ticket_reads_only_its_own_batchs_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|url, _| (200, json!({"url": url}), json!({}))))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let (mut first, mut second): (Batch, Batch) = (client.batch(), client.batch());
    let mine = first.add(get_item(&client, "1"));
    let theirs = second.add(get_item(&client, "2"));
    let mut answers = first.send().await;

    let error = answers.take(theirs).unwrap_err().to_string();
    assert!(error.ends_with("batched: the ticket is another batch's"), "{error}");
    assert_eq!(answers.take(mine).unwrap(), json!({"url": "/items/1"}));
    assert_eq!(second.len(), 1, "the other batch, never sent");
    assert_eq!(format!("{answers:?}"), "Answers { statuses: [None] }", "the answer taken");
}

#[tokio::test]
async fn another_batchs_list_ticket_leaves_this_batchs_pager_whole() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|url, _| (200, json!({"value": [{"url": url}]}), json!({}))))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let list = || Request::<Paged<Value>>::new(&client, LIST_ITEMS, RequestPath::root().literal("items"));
    let (mut first, mut second): (Batch, Batch) = (client.batch(), client.batch());
    let mine = first.add(list());
    let theirs = second.add(list());
    let mut answers = first.send().await;

    let error = answers.pager(theirs).next_page().await.unwrap().unwrap_err().to_string();
    assert!(error.ends_with("batched: the ticket is another batch's"), "{error}");
    assert_eq!(answers.pager(mine).collect_all().await.unwrap(), [json!({"url": "/items"})]);
}

#[tokio::test]
async fn a_batched_request_carries_its_own_headers_and_the_defaults_but_not_the_runtimes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|_, _| (204, Value::Null, json!({}))))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .default_header("X-Tenant", "contoso")
        .default_header("Accept", "text/html")
        .build()
        .unwrap();
    let body = json!({"displayName": "Zoë"});
    let request =
        Request::<NoContent>::new(&client, UPDATE_ITEM, RequestPath::root().literal("items").param("1"))
            .body(&body)
            .header("If-Match", "W/\"1\"")
            .header("X-Owner", "Zoë Ødegård")
            .header("Content-Type", "text/plain")
            .header("Authorization", "Bearer another")
            .header("User-Agent", "mine")
            .header("Retry-Attempt", "3")
            .header("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
    let mut batch = client.batch();
    let ticket = batch.add(request);
    batch.send().await.take(ticket).unwrap();

    let sent = batches(&server).await;
    let [(_, requests)] = sent.as_slice() else { panic!("{sent:?}") };
    let headers = &requests[0]["headers"];
    let expected = json!({
        "x-tenant": "contoso",
        "if-match": "W/\"1\"",
        "x-owner": "Zoë Ødegård",
        "Content-Type": "application/json",
    });
    assert_eq!(headers, &expected);
}

#[tokio::test]
async fn a_batched_lists_pager_reads_the_batchs_answer_then_follows_its_next_link() {
    let server = MockServer::start().await;
    let next_link = format!("{}/v1.0/items?$top=1&$skiptoken=2", server.uri());
    let first_page = json!({"value": [{"id": "1"}], "@odata.nextLink": next_link});
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(batch_server(move |url, _| match url {
            "/items?$top=1" => (200, first_page.clone(), json!({})),
            _ => (404, json!({"error": {"code": "NotFound", "message": "No such list."}}), json!({})),
        }))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items"))
        .and(wiremock::matchers::query_param("$skiptoken", "2"))
        .and(header_is("consistencylevel", "eventual"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "2"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let list = |path: RequestPath| {
        Request::<Paged<Value>>::new(&client, LIST_ITEMS, path)
            .header("ConsistencyLevel", "eventual")
            .unlisted_options(|query| query.top(1))
    };

    let mut batch = client.batch();
    let items = batch.add(list(RequestPath::root().literal("items")));
    let missing = batch.add(list(RequestPath::root().literal("missing")));
    let mut answers = batch.send().await;

    let all = answers.pager(items).collect_all().await.unwrap();
    assert_eq!(all, [json!({"id": "1"}), json!({"id": "2"})]);
    let mut failed = answers.pager(missing);
    let error = failed.next_page().await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert!(failed.next_page().await.is_none());
}

/// The URLs of each `$batch` the server received, in order.
async fn batched_urls(server: &MockServer) -> Vec<Vec<String>> {
    batches(server)
        .await
        .into_iter()
        .map(|(_, requests)| requests.iter().map(|r| r["url"].as_str().unwrap().to_owned()).collect())
        .collect()
}

#[tokio::test]
async fn requests_added_after_others_go_in_a_later_batch_once_those_succeeded() {
    const GET_BETA_ITEM: Operation = Operation::new(Method::Get, "beta", "/items/{id}");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|url, _| (200, json!({"url": url}), json!({}))))
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let mut batch = client.batch();
    let mut pairs = Vec::new();
    for n in 0..10 {
        let first = batch.add(get_item(&client, &n.to_string()));
        let then = batch.add_after([first.id()], get_item(&client, &format!("{n}-then")));
        pairs.push((first, then));
    }
    let alone = batch.add(get_item(&client, "alone"));
    let first = pairs.first().map(|(first, _)| first.id()).unwrap();
    let last = pairs.last().map(|(first, _)| first.id()).unwrap();
    // Another version, following two requests.
    let beta = batch.add_after(
        [first, last],
        Request::<Json<Value>>::new(&client, GET_BETA_ITEM, RequestPath::root().literal("items").param("b")),
    );
    let mut answers = batch.send().await;

    for (n, (first, then)) in pairs.into_iter().enumerate() {
        assert_eq!(answers.take(first).unwrap(), json!({"url": format!("/items/{n}")}));
        assert_eq!(answers.take(then).unwrap(), json!({"url": format!("/items/{n}-then")}));
    }
    assert_eq!(answers.take(alone).unwrap(), json!({"url": "/items/alone"}));
    assert_eq!(answers.take(beta).unwrap(), json!({"url": "/items/b"}));
    let mut first_round: Vec<String> = (0..10).map(|n| format!("/items/{n}")).collect();
    first_round.push("/items/alone".to_owned());
    let second_round: Vec<String> = (0..10).map(|n| format!("/items/{n}-then")).collect();
    assert_eq!(batched_urls(&server).await, [first_round, vec!["/items/b".to_owned()], second_round]);
    let paths: Vec<String> = batches(&server).await.into_iter().map(|(path, _)| path).collect();
    assert_eq!(
        paths,
        ["/v1.0/$batch", "/beta/$batch", "/v1.0/$batch"],
        "the beta request in the second round"
    );
}

#[tokio::test]
async fn a_request_following_one_that_failed_is_not_sent_and_says_which() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(batch_server(|url, _| match url {
            "/items/missing" => {
                (404, json!({"error": {"code": "ResourceNotFound", "message": "No such item."}}), json!({}))
            }
            _ => (200, json!({"url": url}), json!({})),
        }))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let other = client.batch();

    let mut batch = client.batch();
    let missing = batch.add(get_item(&client, "missing"));
    let found = batch.add(get_item(&client, "found"));
    let after_missing = batch.add_after([missing.id()], get_item(&client, "after-missing"));
    let down_the_chain = batch.add_after([after_missing.id()], get_item(&client, "down-the-chain"));
    let after_both = batch.add_after([found.id(), missing.id()], get_item(&client, "after-both"));
    let after_found = batch.add_after([found.id()], get_item(&client, "after-found"));
    let unsendable = batch.add(get_item(&client, "x").header("bad header", "x"));
    let after_unsendable = batch.add_after([unsendable.id()], get_item(&client, "after-unsendable"));
    let mut other = other;
    let elsewhere = other.add(get_item(&client, "elsewhere"));
    let after_elsewhere = batch.add_after([elsewhere.id()], get_item(&client, "after-elsewhere"));
    let mut answers = batch.send().await;

    assert_eq!(answers.take(missing).unwrap_err().status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(answers.take(found).unwrap(), json!({"url": "/items/found"}));
    assert_eq!(answers.take(after_found).unwrap(), json!({"url": "/items/after-found"}));
    let not_sent =
        "GET /v1.0/items/{id}: batched: not sent: the request it was to follow failed (GET /v1.0/items/{id}";
    for (ticket, answered) in [
        (after_missing, ", answered 404 Not Found)"),
        (down_the_chain, ")"),
        (after_both, ", answered 404 Not Found)"),
        (after_unsendable, ")"),
    ] {
        let error = answers.take(ticket).unwrap_err();
        assert!(matches!(error, Error::Batch { source: None, .. }), "{error:?}");
        assert_eq!(error.to_string(), format!("{not_sent}{answered}"));
    }
    let error = answers.take(after_elsewhere).unwrap_err().to_string();
    assert!(error.ends_with("batched: it was to follow a request of another batch"), "{error}");
    assert!(matches!(answers.take(unsendable), Err(Error::InvalidHeader { .. })));
    assert_eq!(
        batched_urls(&server).await,
        [vec!["/items/missing".to_owned(), "/items/found".to_owned()], vec!["/items/after-found".to_owned()]]
    );
    drop(other);
}

#[tokio::test]
async fn a_request_waits_while_the_one_it_follows_is_retried_then_has_retries_of_its_own() {
    let server = MockServer::start().await;
    let sent = Arc::new(Mutex::new(std::collections::HashMap::<String, u32>::new()));
    let counts = Arc::clone(&sent);
    Mock::given(method("POST"))
        .respond_with(batch_server(move |url, _| {
            let mut counts = counts.lock().unwrap();
            let count = counts.entry(url.to_owned()).or_default();
            *count += 1;
            // The first throttled once; the one after it three times, as many as the policy allows.
            let throttled = match url {
                "/items/first" => 1,
                _ => 3,
            };
            if *count <= throttled {
                (
                    429,
                    json!({"error": {"code": "TooManyRequests", "message": "Later."}}),
                    json!({"Retry-After": "0"}),
                )
            } else {
                (200, json!({"url": url}), json!({}))
            }
        }))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).retry_policy(fast_retries().with_max_retries(3)).build().unwrap();

    let mut batch = client.batch();
    let first = batch.add(get_item(&client, "first"));
    let then = batch.add_after([first.id()], get_item(&client, "then"));
    let mut answers = batch.send().await;

    assert_eq!(answers.take(first).unwrap(), json!({"url": "/items/first"}));
    assert_eq!(answers.take(then).unwrap(), json!({"url": "/items/then"}));
    let urls = batched_urls(&server).await;
    let one = |url: &str| vec![url.to_owned()];
    assert_eq!(
        urls,
        [
            one("/items/first"),
            one("/items/first"),
            one("/items/then"),
            one("/items/then"),
            one("/items/then"),
            one("/items/then")
        ]
    );
}
