//! Claims challenges (continuous access evaluation) through the real transport: Graph answers 401
//! with `error="insufficient_claims"` and the claims a token must satisfy; the provider asks Entra
//! ID for one with those claims (merged with the client capability `cp1` when the app declared it),
//! signing the user in again when the refresh token cannot, and the request is sent once more.

use std::collections::HashMap;

use graph_runtime::transport::StatusCode;
use graph_runtime::{ClientCredentials, DeviceCode, HttpTransport, RequestPath, TokenProvider};
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header as header_is, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// The claims of Graph's challenge for a session revoked at 1604106651 (base64 in the header).
const REVOKED_CLAIMS: &str = r#"{"access_token":{"nbf":{"essential":true, "value":"1604106651"}}}"#;
const REVOKED_CLAIMS_BASE64: &str =
    "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=";

/// Graph's answer to a token continuous access evaluation revoked.
fn claims_challenge() -> ResponseTemplate {
    let challenge = format!(
        r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{REVOKED_CLAIMS_BASE64}""#
    );
    ResponseTemplate::new(401).insert_header("www-authenticate", challenge.as_str()).set_body_json(json!({
        "error": {"code": "InvalidAuthenticationToken", "message": "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenCreatedWithOutdatedPolicies"}
    }))
}

fn granted(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token, "refresh_token": format!("refresh-{token}")}),
    )
}

/// Answers the token endpoint `first`, then `second` ever after (at priorities after 1, which a test
/// may give another answer).
async fn mount_token_endpoint(server: &MockServer, first: ResponseTemplate, second: ResponseTemplate) {
    let token = || Mock::given(method("POST")).and(path(format!("/{TENANT}/oauth2/v2.0/token")));
    token().respond_with(first).up_to_n_times(1).with_priority(2).mount(server).await;
    token().respond_with(second).with_priority(3).mount(server).await;
}

/// Graph: `GET /v1.0/items/7` challenged with `challenged`, answered with `accepted`.
async fn mount_item(server: &MockServer, challenged: &str, accepted: &str) {
    Mock::given(method("GET"))
        .and(header_is("authorization", format!("Bearer {challenged}").as_str()))
        .respond_with(claims_challenge())
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/items/7"))
        .and(header_is("authorization", format!("Bearer {accepted}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "7"})))
        .mount(server)
        .await;
}

async fn get_item(client: &graph_runtime::Client) -> Result<Value, graph_runtime::Error> {
    client.send_json::<(), Value>(GET_ITEM, &RequestPath::root().literal("items").param("7"), None).await
}

/// The forms the server received at the endpoint whose path ends with `endpoint`, in order.
async fn forms(server: &MockServer, endpoint: &str) -> Vec<HashMap<String, String>> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|request| request.url.path().ends_with(endpoint))
        .map(|request| form_urlencoded::parse(&request.body).into_owned().collect())
        .collect()
}

/// A form's `claims`, as JSON.
fn claims(form: &HashMap<String, String>) -> Option<Value> {
    form.get("claims").map(|claims| serde_json::from_str(claims).expect("the claims are JSON"))
}

fn credentials(server: &MockServer) -> graph_runtime::ClientCredentialsBuilder {
    ClientCredentials::builder(TENANT, "app-id", "app-secret")
        .authority_host(server.uri())
        .transport(HttpTransport::new().unwrap())
}

#[tokio::test]
async fn a_claims_challenge_gets_a_token_with_the_claims_and_the_capability_and_the_request_is_sent_again() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, granted("revoked"), granted("fresh")).await;
    mount_item(&server, "revoked", "fresh").await;
    let credentials = credentials(&server).continuous_access_evaluation().build().unwrap();
    let client = builder(&server.uri()).token_provider(credentials).build().unwrap();

    for _ in 0..2 {
        assert_eq!(get_item(&client).await.unwrap(), json!({"id": "7"}));
    }

    let forms = forms(&server, "/token").await;
    let claims: Vec<_> = forms.iter().map(claims).collect();
    assert_eq!(
        claims,
        [
            // The capability with every request, so that Graph challenges rather than serving a
            // revoked token; the challenge's claims beside it once challenged; the fresh token kept.
            Some(json!({"access_token": {"xms_cc": {"values": ["cp1"]}}})),
            Some(json!({"access_token": {
                "nbf": {"essential": true, "value": "1604106651"},
                "xms_cc": {"values": ["cp1"]}
            }})),
        ]
    );
}

#[tokio::test]
async fn requests_challenged_together_share_one_token_asked_for_with_the_claims() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, granted("revoked"), granted("fresh")).await;
    mount_item(&server, "revoked", "fresh").await;
    let credentials = credentials(&server).build().unwrap();
    // The first token, fetched before the requests go out together with it.
    assert_eq!(credentials.token().await.unwrap(), "revoked");
    let client = builder(&server.uri()).token_provider(credentials).build().unwrap();

    let together = (0..8).map(|_| get_item(&client));
    for answer in futures_util::future::join_all(together).await {
        assert_eq!(answer.unwrap(), json!({"id": "7"}));
    }

    let claims: Vec<_> = forms(&server, "/token").await.iter().map(claims).collect();
    assert_eq!(claims, [None, Some(serde_json::from_str(REVOKED_CLAIMS).unwrap())]);
    let received = server.received_requests().await.unwrap_or_default();
    let graph_requests = received.iter().filter(|request| request.url.path() == "/v1.0/items/7").count();
    assert_eq!(graph_requests, 16, "each challenged once, then answered");
}

#[tokio::test]
async fn without_the_capability_a_challenge_still_sends_its_claims() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, granted("revoked"), granted("fresh")).await;
    mount_item(&server, "revoked", "fresh").await;
    let client =
        builder(&server.uri()).token_provider(credentials(&server).build().unwrap()).build().unwrap();

    assert_eq!(get_item(&client).await.unwrap(), json!({"id": "7"}));

    let claims: Vec<_> = forms(&server, "/token").await.iter().map(claims).collect();
    assert_eq!(claims, [None, Some(serde_json::from_str(REVOKED_CLAIMS).unwrap())]);
}

#[tokio::test]
async fn a_token_challenged_again_is_the_error_after_one_renewal_with_the_claims() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, granted("revoked"), granted("still-revoked")).await;
    Mock::given(method("GET")).respond_with(claims_challenge()).expect(2).mount(&server).await;
    let client =
        builder(&server.uri()).token_provider(credentials(&server).build().unwrap()).build().unwrap();

    let error = get_item(&client).await.unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!((graph.status, graph.attempts), (StatusCode::UNAUTHORIZED, 2));
    assert_eq!(graph.claims_challenge().as_deref(), Some(REVOKED_CLAIMS));
}

#[tokio::test]
async fn a_fixed_token_challenged_is_the_error_at_once_and_gives_the_claims_to_ask_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(claims_challenge()).expect(1).mount(&server).await;

    let error = get_item(&client(&server.uri())).await.unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!(graph.attempts, 1);
    assert_eq!(graph.claims_challenge().as_deref(), Some(REVOKED_CLAIMS));
}

#[tokio::test]
async fn a_user_whose_refresh_token_cannot_satisfy_the_claims_signs_in_again_with_them() {
    let server = MockServer::start().await;
    // The kept refresh token gets a token; with the challenge's claims, Entra ID wants the user.
    mount_token_endpoint(
        &server,
        granted("revoked"),
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "interaction_required",
            "error_description": "AADSTS50173: The provided grant has expired due to it being revoked.",
        })),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "device-1", "user_code": "FJ7K2LQMX", "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900, "interval": 1,
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(body_string_contains("device_code=device-1"))
        .respond_with(granted("signed-in"))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_item(&server, "revoked", "signed-in").await;
    let user = DeviceCode::builder(TENANT, "public-app-id")
        .authority_host(server.uri())
        .transport(HttpTransport::new().unwrap())
        .refresh_token("kept")
        .continuous_access_evaluation()
        .prompt(|_| {})
        .build()
        .unwrap();
    let client = builder(&server.uri()).token_provider(user.clone()).build().unwrap();

    assert_eq!(get_item(&client).await.unwrap(), json!({"id": "7"}));

    let capability = json!({"access_token": {"xms_cc": {"values": ["cp1"]}}});
    let challenged = json!({"access_token": {
        "nbf": {"essential": true, "value": "1604106651"},
        "xms_cc": {"values": ["cp1"]}
    }});
    let token_forms = forms(&server, "/token").await;
    let asked: Vec<_> = token_forms.iter().map(|form| (form["grant_type"].as_str(), claims(form))).collect();
    assert_eq!(
        asked,
        [
            ("refresh_token", Some(capability)),
            ("refresh_token", Some(challenged.clone())),
            ("urn:ietf:params:oauth:grant-type:device_code", Some(challenged.clone())),
        ]
    );
    let device_code_forms = forms(&server, "/devicecode").await;
    assert_eq!(device_code_forms.iter().map(claims).collect::<Vec<_>>(), [Some(challenged)]);
    assert_eq!(user.refresh_token().await.as_deref(), Some("refresh-signed-in"));
}
