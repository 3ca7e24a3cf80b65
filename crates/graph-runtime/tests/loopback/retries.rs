//! Retries on 429/503/504: Retry-After honoured, backoff without it, a cap, a wait budget, byte-identical bodies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph_runtime::{RetryPolicy, TokenFuture, TokenProvider};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// Mounts `first` for the first `times` requests, then `then` for the rest.
async fn respond_then(server: &MockServer, first: ResponseTemplate, times: u64, then: ResponseTemplate) {
    Mock::given(method("POST")).respond_with(first).up_to_n_times(times).with_priority(1).mount(server).await;
    Mock::given(method("POST")).respond_with(then).with_priority(2).mount(server).await;
}

#[tokio::test]
async fn a_429_with_retry_after_one_second_is_retried_once_after_about_a_second() {
    let server = MockServer::start().await;
    respond_then(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        1,
        ResponseTemplate::new(201).set_body_json(documented_response()),
    )
    .await;

    let started = Instant::now();
    let assignment: Assignment = client(&server.uri())
        .send_json(
            CREATE_ASSIGNMENT,
            &configuration_path(CONFIGURATION_ID).literal("assignments"),
            Some(&documented_request()),
        )
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(assignment.source_id, "Source Id value");
    assert!(elapsed >= Duration::from_millis(950), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "waited {elapsed:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[0], "retry-attempt"), None);
    assert_eq!(header(&requests[1], "retry-attempt"), Some("1"));
    assert_eq!(requests[0].body, requests[1].body, "the retry must resend the same bytes");
    assert_eq!(serde_json::from_slice::<Value>(&requests[1].body).unwrap(), documented_request());
    for request in &requests {
        assert_eq!(header(request, "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
}

#[tokio::test]
async fn a_503_every_time_fails_after_the_retry_cap_saying_how_many_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("request-id", "busy-1"))
        .expect(4)
        .mount(&server)
        .await;

    let error = client(&server.uri())
        .send_no_content(ASSIGN, &configuration_path("1").literal("assign"), Some(&json!({})))
        .await
        .unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!(graph.status.as_u16(), 503);
    assert_eq!(graph.attempts, 4);
    let message = error.to_string();
    assert!(message.contains("HTTP 503 Service Unavailable"), "{message}");
    assert!(message.contains("(request-id busy-1) (gave up after 4 attempts)"), "{message}");
    let retry_headers: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| header(request, "retry-attempt").map(str::to_owned))
        .collect();
    assert_eq!(retry_headers, [None, Some("1".into()), Some("2".into()), Some("3".into())]);
}

#[tokio::test]
async fn a_504_without_retry_after_backs_off_and_then_succeeds() {
    let server = MockServer::start().await;
    respond_then(&server, ResponseTemplate::new(504), 2, ResponseTemplate::new(204)).await;

    let client = builder(&server.uri()).retry_policy(fast_retries().with_max_retries(2)).build().unwrap();
    client
        .send_no_content(ASSIGN, &configuration_path("1").literal("assign"), Some(&json!({})))
        .await
        .unwrap();

    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(429)).expect(1).mount(&server).await;

    let client = builder(&server.uri()).retry_policy(RetryPolicy::none()).build().unwrap();
    let error = client
        .send_no_content(ASSIGN, &configuration_path("1").literal("assign"), Some(&json!({})))
        .await
        .unwrap_err();

    assert_eq!(error.status().map(|status| status.as_u16()), Some(429));
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_budget_is_not_waited_for() {
    // The last is too many seconds for a u64: still a very long wait, not an unreadable header
    // (which would mean a retry after a second's backoff).
    for seconds in ["3600", "99999999999999999999"] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", seconds))
            .expect(1)
            .mount(&server)
            .await;

        let started = Instant::now();
        let error = client(&server.uri())
            .send_no_content(ASSIGN, &configuration_path("1").literal("assign"), Some(&json!({})))
            .await
            .unwrap_err();

        assert!(started.elapsed() < Duration::from_secs(2), "Retry-After: {seconds}");
        assert_eq!(error.as_graph().map(|graph| graph.attempts), Some(1), "Retry-After: {seconds}");
    }
}

/// Hands out `tok-1`, `tok-2`, … so a test can see which attempt used which token.
#[derive(Debug, Default)]
struct RefreshingToken {
    issued: Arc<AtomicUsize>,
}

impl TokenProvider for RefreshingToken {
    fn token(&self) -> TokenFuture<'_> {
        let number = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(format!("tok-{number}")) })
    }
}

#[tokio::test]
async fn each_attempt_asks_the_token_provider_again() {
    let server = MockServer::start().await;
    respond_then(&server, ResponseTemplate::new(503), 1, ResponseTemplate::new(204)).await;

    let client = builder(&server.uri()).token_provider(RefreshingToken::default()).build().unwrap();
    client
        .send_no_content(ASSIGN, &configuration_path("1").literal("assign"), Some(&json!({})))
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let tokens: Vec<_> = requests.iter().map(|request| header(request, "authorization")).collect();
    assert_eq!(tokens, [Some("Bearer tok-1"), Some("Bearer tok-2")]);
}
