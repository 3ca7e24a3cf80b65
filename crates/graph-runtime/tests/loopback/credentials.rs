//! `ClientCredentials`, `ManagedIdentity` and `DeviceCode` through the real transport: the Graph
//! request carries the token the token endpoint granted, fetched once for many requests; a refusal
//! fails the request naming the cause; a token Graph refuses (401) is replaced once.

use graph_runtime::transport::StatusCode;
use std::sync::{Arc, Mutex};

use graph_runtime::{ClientCredentials, DeviceCode, Error, HttpTransport, ManagedIdentity, RequestPath};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header as header_is, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// Matches a request whose body ends with `suffix`.
fn body_string_ends_with(suffix: &'static str) -> impl wiremock::Match {
    move |request: &wiremock::Request| request.body.ends_with(suffix.as_bytes())
}

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn credentials(server: &MockServer) -> ClientCredentials {
    let transport = HttpTransport::new().unwrap();
    ClientCredentials::builder(TENANT, "app-id", "app-secret")
        .authority_host(server.uri())
        .transport(transport)
        .build()
        .unwrap()
}

#[tokio::test]
async fn requests_carry_the_granted_token_fetched_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(header_is("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_secret=app-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "granted-token"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_item(&server, "granted-token", 3).await;
    let client = builder(&server.uri()).token_provider(credentials(&server)).build().unwrap();

    read_item(&client, 3).await;
}

#[tokio::test]
async fn a_refused_grant_fails_the_request_with_entra_ids_reason_and_sends_nothing_to_graph() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "unauthorized_client",
            "error_description": "AADSTS700016: Application with identifier 'app-id' was not found.\r\nTrace ID: x",
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let client = builder(&server.uri()).token_provider(credentials(&server)).build().unwrap();

    let error = client
        .send_json::<(), Value>(GET_ITEM, &RequestPath::root().literal("items").param("7"), None)
        .await
        .unwrap_err();

    let Error::Auth { source, .. } = &error else { panic!("{error:?}") };
    let token_error = source.downcast_ref::<graph_runtime::TokenError>().expect("a TokenError");
    assert_eq!(token_error.code(), Some("unauthorized_client"));
    let message = error.to_string();
    assert!(
        message.starts_with("GET /v1.0/items/{id}: could not get an access token: the token endpoint http://")
            && message.ends_with(
                "/oauth2/v2.0/token answered 400 Bad Request: unauthorized_client: AADSTS700016: Application \
                 with identifier 'app-id' was not found."
            ),
        "{message}"
    );
    assert!(!format!("{message}{error:?}").contains("app-secret"));
}

/// Answers `GET /v1.0/items/7` with `{"id": "7"}`, `times` times, to a request carrying `token`.
async fn mount_item(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path("/v1.0/items/7"))
        .and(header_is("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "7"})))
        .expect(times)
        .mount(server)
        .await;
}

/// Reads `GET /v1.0/items/7` through `client` `times` times, each answered `{"id": "7"}`.
async fn read_item(client: &graph_runtime::Client, times: usize) {
    for _ in 0..times {
        let item: Value = client
            .send_json(GET_ITEM, &RequestPath::root().literal("items").param("7"), None::<&()>)
            .await
            .unwrap();
        assert_eq!(item, json!({"id": "7"}));
    }
}

/// Grants `first`, then `second` for every later request.
async fn mount_two_grants(server: &MockServer, first: &str, second: &str) {
    let grant = |token: &str| {
        ResponseTemplate::new(200)
            .set_body_json(json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}))
    };
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(token_path.clone()))
        .respond_with(grant(first))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(token_path))
        .respond_with(grant(second))
        .with_priority(2)
        .mount(server)
        .await;
}

fn expired() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(
        json!({"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed, the token is expired."}}),
    )
}

#[tokio::test]
async fn a_token_graph_refuses_is_replaced_and_the_request_sent_once_more() {
    let server = MockServer::start().await;
    mount_two_grants(&server, "revoked-token", "fresh-token").await;
    Mock::given(method("POST"))
        .and(path("/beta/deviceManagement/deviceEnrollmentConfigurations/1/assignments"))
        .and(header_is("authorization", "Bearer revoked-token"))
        .respond_with(expired())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/beta/deviceManagement/deviceEnrollmentConfigurations/1/assignments"))
        .and(header_is("authorization", "Bearer fresh-token"))
        .and(body_string_contains("\"source\":\"direct\""))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "a"})))
        .expect(2)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).token_provider(credentials(&server)).build().unwrap();
    let assignments = configuration_path("1").literal("assignments");

    for _ in 0..2 {
        let created: Value = client
            .send_json(CREATE_ASSIGNMENT, &assignments, Some(&json!({"source": "direct"})))
            .await
            .unwrap();
        assert_eq!(created, json!({"id": "a"}));
    }
    let requests = server.received_requests().await.unwrap();
    let token_requests = requests.iter().filter(|request| request.url.path().ends_with("/token")).count();
    assert_eq!(token_requests, 2, "one grant, one renewal, then the fresh token is reused");
}

#[tokio::test]
async fn a_token_refused_again_is_the_error_after_one_renewal() {
    let server = MockServer::start().await;
    mount_two_grants(&server, "first", "second").await;
    Mock::given(method("GET")).respond_with(expired()).expect(2).mount(&server).await;
    let client = builder(&server.uri()).token_provider(credentials(&server)).build().unwrap();

    let error = client
        .send_json::<(), Value>(GET_ITEM, &RequestPath::root().literal("items").param("7"), None)
        .await
        .unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!(graph.status, StatusCode::UNAUTHORIZED);
    assert_eq!(graph.attempts, 2);
}

#[tokio::test]
async fn a_fixed_token_graph_refuses_is_the_error_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(expired()).expect(1).mount(&server).await;
    let client = client(&server.uri());

    let error = client
        .send_json::<(), Value>(GET_ITEM, &RequestPath::root().literal("items").param("7"), None)
        .await
        .unwrap_err();

    assert_eq!(error.as_graph().map(|graph| graph.attempts), Some(1));
}

#[tokio::test]
async fn a_federated_token_goes_to_entra_id_as_the_client_assertion() {
    let server = MockServer::start().await;
    let token_file =
        std::env::temp_dir().join(format!("graph-runtime-loopback-{}-token", std::process::id()));
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.workload.sig\n").unwrap();
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        // The last field, trimmed of the file's newline.
        .and(body_string_ends_with("&client_assertion=eyJhbGciOiJSUzI1NiJ9.workload.sig"))
        .and(body_string_contains(
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "workload-token"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_item(&server, "workload-token", 1).await;
    let credentials = ClientCredentials::federated(TENANT, "app-id", &token_file)
        .authority_host(server.uri())
        .transport(HttpTransport::new().unwrap())
        .build()
        .unwrap();
    let client = builder(&server.uri()).token_provider(credentials).build().unwrap();

    let item: Result<Value, _> =
        client.send_json(GET_ITEM, &RequestPath::root().literal("items").param("7"), None::<&()>).await;
    let _ = std::fs::remove_file(&token_file);
    assert_eq!(item.unwrap(), json!({"id": "7"}));
}

#[tokio::test]
async fn a_managed_identitys_token_comes_from_the_metadata_endpoint_on_its_own_transport() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(header_is("metadata", "true"))
        .and(query_param("api-version", "2018-02-01"))
        .and(query_param("resource", "https://graph.microsoft.com"))
        .and(query_param("client_id", "5e0f-client"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "identity-token", "expires_in": "86399", "expires_on": "1700000000",
            "resource": "https://graph.microsoft.com", "token_type": "Bearer",
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_item(&server, "identity-token", 2).await;
    // No transport given: the identity's own, which takes no proxy from the environment.
    let identity = ManagedIdentity::user_assigned("5e0f-client")
        .imds_endpoint(format!("{}/metadata/identity/oauth2/token", server.uri()))
        .build()
        .unwrap();
    let client = builder(&server.uri()).token_provider(identity).build().unwrap();

    read_item(&client, 2).await;
}

#[tokio::test]
async fn a_refused_token_the_identity_endpoint_gives_again_is_not_sent_again() {
    let server = MockServer::start().await;
    // The endpoint serves the token it cached, refused or not.
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "cached-token", "expires_in": "86399", "token_type": "Bearer",
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items/7"))
        .respond_with(expired())
        .expect(1)
        .mount(&server)
        .await;
    let identity = ManagedIdentity::system_assigned()
        .imds_endpoint(format!("{}/metadata/identity/oauth2/token", server.uri()))
        .build()
        .unwrap();
    let client = builder(&server.uri()).token_provider(identity).build().unwrap();

    let error = client
        .send_json::<(), Value>(GET_ITEM, &RequestPath::root().literal("items").param("7"), None)
        .await
        .unwrap_err();

    // Graph's own answer, from the one request sent.
    let graph = error.as_graph().expect("a Graph error");
    assert_eq!((graph.status, graph.attempts), (StatusCode::UNAUTHORIZED, 1));
    assert_eq!(graph.code(), Some("InvalidAuthenticationToken"));
}

#[tokio::test]
async fn a_user_signs_in_with_a_device_code_and_a_token_graph_refuses_is_replaced_by_the_refresh_token() {
    let server = MockServer::start().await;
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
        .and(body_string_contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default+offline_access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "device-1", "user_code": "FJ7K2LQMX", "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900, "interval": 1,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FJ7K2LQMX to authenticate.",
        })))
        .expect(1)
        .mount(&server)
        .await;
    // Pending at the first poll, signed in at the second.
    let poll = || {
        Mock::given(method("POST"))
            .and(path(token_path.clone()))
            .and(body_string_contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"))
            .and(body_string_ends_with("&device_code=device-1"))
    };
    poll()
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "authorization_pending",
            "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.",
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    poll()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": "signed-in", "refresh_token": "refresh-1",
        })))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(token_path.clone()))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_ends_with("&refresh_token=refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": "refreshed", "refresh_token": "refresh-2",
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header_is("authorization", "Bearer signed-in"))
        .respond_with(expired())
        .expect(1)
        .mount(&server)
        .await;
    mount_item(&server, "refreshed", 2).await;
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let shown = Arc::clone(&prompts);
    let user = DeviceCode::builder(TENANT, "public-app-id")
        .authority_host(server.uri())
        .transport(HttpTransport::new().unwrap())
        .prompt(move |prompt| shown.lock().unwrap().push(prompt.to_string()))
        .build()
        .unwrap();
    let client = builder(&server.uri()).token_provider(user.clone()).build().unwrap();

    read_item(&client, 2).await;
    let prompts = prompts.lock().unwrap().clone();
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert!(prompts[0].contains("enter the code FJ7K2LQMX"), "{prompts:?}");
    assert_eq!(user.refresh_token().await.as_deref(), Some("refresh-2"));
}
