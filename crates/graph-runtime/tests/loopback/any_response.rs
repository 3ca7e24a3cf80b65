//! Whatever a server answers (any status, headers and body; several answers in a row for retries,
//! redirects and pages), a call ends with a value or an error: never a panic, never more requests
//! than its retry, redirect and page limits allow, never the token sent to another origin or shown
//! in an error, and never an object of a type a narrowed operation does not read. The same holds
//! for a JSON batch, whatever its `$batch` requests are answered: each ticket reads a value or an
//! error.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use graph_runtime::http::{HeaderName, HeaderValue};
use graph_runtime::transport::{HeaderMap, HttpRequest, HttpResponse, StatusCode};
use graph_runtime::{odata, Client, Error, Json, Method, Operation, QueryOptions, Request, RequestPath};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use crate::support::*;

const BASE: &str = "https://graph.microsoft.com";
const LIST: Operation = Operation::new(Method::Get, "beta", "/items");
const CREATE: Operation = Operation::new(Method::Post, "beta", "/items");
/// The types the narrowed operations read (see `Operation::narrowed_to`).
const KEPT: &[&str] = &["assignment", "groupAssignment"];
const NARROWED_LIST: Operation = Operation::new(Method::Get, "beta", "/items").narrowed_to(KEPT);
const NARROWED_GET: Operation = Operation::new(Method::Get, "beta", "/items/{id}").narrowed_to(KEPT);
const MAX_RETRIES: u32 = 2;
const MAX_REDIRECTS: u32 = 2;
const MAX_PAGES: u32 = 3;

/// What is asked of the answers.
#[derive(Debug, Clone, Copy)]
enum Call {
    /// A list's items as JSON values, page after page.
    Items,
    /// A list's items read into a model.
    Assignments,
    /// A create reading its answer into a model.
    Create,
    /// An action answered with no content.
    NoContent,
    /// A narrowed list's items as JSON values, page after page.
    NarrowedItems,
    /// A narrowed get reading its answer as a JSON value.
    NarrowedGet,
}

/// What a call ended with.
struct Outcome {
    /// What the call's errors displayed.
    errors: Vec<String>,
    /// Every request sent.
    seen: Vec<HttpRequest>,
    /// The objects a narrowed call yielded.
    narrowed: Vec<Value>,
}

fn status() -> impl Strategy<Value = StatusCode> {
    const COMMON: &[u16] = &[200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 429, 500, 503, 504];
    prop_oneof![3 => prop::sample::select(COMMON), 1 => 100u16..1000]
        .prop_map(|code| StatusCode::from_u16(code).unwrap_or(StatusCode::OK))
}

/// A URL a `Location` or `@odata.nextLink` may hold: this origin, another, relative, broken.
fn link() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(format!("{BASE}/beta/items?$skiptoken=2")),
        Just("/beta/items?$skip=1".to_owned()),
        Just("https://other.example/beta/items".to_owned()),
        Just("//other.example/steal".to_owned()),
        Just("http://graph.microsoft.com/beta/items".to_owned()),
        Just("https://graph.microsoft.com:8443/beta/items".to_owned()),
        Just("https://[::1".to_owned()),
        Just(String::new()),
        "\\PC{0,12}",
    ]
}

fn header() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        link().prop_map(|value| ("location", value)),
        prop_oneof![
            Just("0".to_owned()),
            Just("1".to_owned()),
            Just("99999999999999999999".to_owned()),
            Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
            Just("-1".to_owned()),
            "\\PC{0,12}",
        ]
        .prop_map(|value| ("retry-after", value)),
        prop_oneof![
            Just("application/json".to_owned()),
            Just("application/json; odata.metadata=minimal; charset=utf-8".to_owned()),
            Just("text/plain".to_owned()),
            "\\PC{0,12}",
        ]
        .prop_map(|value| ("content-type", value)),
        "\\PC{0,12}".prop_map(|value| ("request-id", value)),
        Just(("www-authenticate", "Bearer error=\"invalid_token\"".to_owned())),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("source".to_owned()),
                    Just("sourceId".to_owned()),
                    Just("target".to_owned()),
                    Just("@odata.type".to_owned()),
                    "\\PC{0,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// An object of a type the narrowed operations keep, or of another.
fn typed() -> impl Strategy<Value = Value> {
    (prop::sample::select(&["assignment", "groupAssignment", "other"][..]), json())
        .prop_map(|(name, id)| json!({"@odata.type": format!("#microsoft.graph.{name}"), "id": id}))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let page = (prop::collection::vec(json(), 0..4), prop::option::of(link()), prop::option::of(json()))
        .prop_map(|(value, next_link, count)| {
            let mut page = json!({ "value": value });
            if let Some(next_link) = next_link {
                page["@odata.nextLink"] = Value::String(next_link);
            }
            if let Some(count) = count {
                page["@odata.count"] = count;
            }
            page
        });
    let error = (json(), json(), json()).prop_map(|(code, message, details)| {
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "r"}, "details": details}})
    });
    let typed_page = prop::collection::vec(typed(), 0..4).prop_map(|value| json!({ "value": value }));
    let whole = prop_oneof![page, error, json(), typed(), typed_page]
        .prop_map(|value| value.to_string().into_bytes());
    prop_oneof![
        3 => whole.clone(),
        1 => (whole, any::<prop::sample::Index>()).prop_map(|(mut bytes, cut)| {
            bytes.truncate(cut.index(bytes.len() + 1));
            bytes
        }),
        1 => prop::collection::vec(any::<u8>(), 0..24),
    ]
}

fn answer() -> impl Strategy<Value = HttpResponse> {
    (status(), prop::collection::vec(header(), 0..3), body()).prop_map(|(status, headers, body)| {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        HttpResponse::new(status, map, body)
    })
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        Just(Call::Items),
        Just(Call::Assignments),
        Just(Call::Create),
        Just(Call::NoContent),
        Just(Call::NarrowedItems),
        Just(Call::NarrowedGet),
    ]
}

/// A client whose transport answers from `answers`, in order and over again (64 answers in all),
/// with this file's retry and redirect limits, and a runtime whose paused time lets a retry's wait
/// pass at once.
fn scripted(answers: &[HttpResponse]) -> (Scripted, Client, tokio::runtime::Runtime) {
    let transport = Scripted::default();
    let script: Vec<HttpResponse> = answers.iter().cycle().take(64).cloned().collect();
    transport.answers.lock().unwrap().extend(script.into_iter().rev());
    let client: Client = builder(BASE)
        .retry_policy(fast_retries().with_max_retries(MAX_RETRIES))
        .max_redirects(MAX_REDIRECTS)
        .transport(transport.clone())
        .build()
        .unwrap();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    (transport, client, runtime)
}

/// Runs `call` against the answers, in order and over again, so that the call's own limits end it
/// rather than the script.
fn run(call: Call, answers: Vec<HttpResponse>) -> Outcome {
    let (transport, client, runtime) = scripted(&answers);
    let path = RequestPath::root().literal("items");
    let mut narrowed = Vec::new();
    let errors: Vec<Error> = runtime.block_on(async {
        match call {
            Call::Items => {
                let items =
                    client.pager::<Value>(LIST, &path, &QueryOptions::new()).max_pages(MAX_PAGES).items();
                items.filter_map(|item| async move { item.err() }).collect().await
            }
            Call::Assignments => {
                let items = client
                    .pager::<Assignment>(LIST, &path, &QueryOptions::new())
                    .max_pages(MAX_PAGES)
                    .items();
                items.filter_map(|item| async move { item.err() }).collect().await
            }
            Call::Create => client
                .send_json::<Value, Assignment>(CREATE, &path, Some(&documented_request()))
                .await
                .err()
                .into_iter()
                .collect(),
            Call::NoContent => {
                client.send_no_content::<Value>(CREATE, &path, None).await.err().into_iter().collect()
            }
            Call::NarrowedItems => {
                let items =
                    client.pager::<Value>(NARROWED_LIST, &path, &QueryOptions::new()).max_pages(MAX_PAGES);
                let results: Vec<Result<Value, Error>> = items.items().collect().await;
                let (kept, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
                narrowed.extend(kept.into_iter().flatten());
                errors.into_iter().filter_map(Result::err).collect()
            }
            Call::NarrowedGet => {
                let request: Request<'static, Json<Value>> =
                    Request::new(&client, NARROWED_GET, path.clone().param("1"));
                match request.await {
                    Ok(object) => {
                        narrowed.push(object);
                        Vec::new()
                    }
                    Err(error) => vec![error],
                }
            }
        }
    });
    let seen = transport.seen.lock().unwrap().clone();
    Outcome { errors: errors.iter().map(|error| format!("{error}\n{error:?}")).collect(), seen, narrowed }
}

/// Whether `request` goes to the client's base URL's origin (scheme, host and port).
fn to_base_origin(request: &HttpRequest) -> bool {
    let url = &request.url;
    url.scheme_str() == Some("https")
        && url.host() == Some("graph.microsoft.com")
        && url.port_u16().unwrap_or(443) == 443
}

/// The token went only to the client's base origin, and no error displays it.
fn token_kept(seen: &[HttpRequest], errors: &[String]) -> Result<(), TestCaseError> {
    for request in seen {
        prop_assert!(
            to_base_origin(request) || !request.headers.contains_key("authorization"),
            "the token went to {}",
            request.url
        );
    }
    for error in errors {
        prop_assert!(!error.contains(TOKEN), "{error}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_answers_end_the_call_within_its_limits_without_leaking_the_token(
        call in call(),
        answers in prop::collection::vec(answer(), 1..8),
    ) {
        let Outcome { errors, seen, narrowed } = run(call, answers);

        // Each exchange: a first attempt, its retries, its redirects, one new token after a 401.
        let per_exchange = (1 + MAX_RETRIES + MAX_REDIRECTS + 1) as usize;
        let exchanges = match call {
            Call::Items | Call::Assignments | Call::NarrowedItems => MAX_PAGES as usize,
            Call::Create | Call::NoContent | Call::NarrowedGet => 1,
        };
        prop_assert!(seen.len() <= per_exchange * exchanges, "{} requests", seen.len());
        token_kept(&seen, &errors)?;
        for object in &narrowed {
            let odata_type = odata::type_name(object);
            prop_assert!(odata_type.is_none_or(|name| KEPT.contains(&name)), "{object}");
        }
    }
}

/// The strategies reach what the property is about: in a fixed sample of cases, answers redirect to
/// another origin, retry, and page on, so the property is not passing for want of them.
#[test]
fn the_generated_answers_redirect_away_retry_and_page() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut reached: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..512 {
        let call = call().new_tree(&mut runner).unwrap().current();
        let answers = prop::collection::vec(answer(), 1..8).new_tree(&mut runner).unwrap().current();
        let Outcome { seen, narrowed, .. } = run(call, answers);
        if seen.iter().any(|request| !to_base_origin(request)) {
            *reached.entry("another origin").or_default() += 1;
        }
        if seen.iter().any(|request| request.headers.contains_key("retry-attempt")) {
            *reached.entry("a retry").or_default() += 1;
        }
        if seen.iter().filter(|request| request.method == graph_runtime::transport::Method::GET).count() > 1 {
            *reached.entry("a second page or hop").or_default() += 1;
        }
        if narrowed.iter().any(|object| odata::type_name(object).is_some()) {
            *reached.entry("a narrowed call keeping a typed object").or_default() += 1;
        }
    }
    assert_eq!(reached.len(), 4, "{reached:?}");
}

/// The response to request `id` of a batch: mostly a success or a retry, its body mostly `fitting`
/// (what the request reads), sometimes anything. Boxed, as the strategies below are: their nested
/// types otherwise make each value's generation a deep stack of large frames in debug builds.
fn batch_response(id: &'static str, fitting: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let status = prop_oneof![
        4 => Just(200u16), 1 => Just(201), 1 => Just(204), 2 => Just(429), 1 => Just(503),
        1 => status().prop_map(|status| status.as_u16()),
    ];
    let body = prop_oneof![3 => fitting, 1 => json()];
    (status, prop::collection::vec(header(), 0..2), prop::option::weighted(0.9, body))
        .prop_map(move |(status, headers, body)| {
            let headers: serde_json::Map<String, Value> =
                headers.into_iter().map(|(name, value)| (name.to_owned(), Value::String(value))).collect();
            let mut response = json!({"id": id, "status": status, "headers": headers});
            if let Some(body) = body {
                response["body"] = body;
            }
            response
        })
        .boxed()
}

/// A list's page answered in a batch: typed items, and mostly a next link to this origin.
fn batch_page() -> BoxedStrategy<Value> {
    let next_link = prop_oneof![2 => Just(format!("{BASE}/beta/items?$skiptoken=2")), 1 => link()];
    (prop::collection::vec(typed(), 0..3), prop::option::weighted(0.7, next_link))
        .prop_map(|(value, next_link)| {
            let mut page = json!({ "value": value });
            if let Some(next_link) = next_link {
                page["@odata.nextLink"] = Value::String(next_link);
            }
            page
        })
        .boxed()
}

/// A `$batch` request's answer: mostly responses to the batch's three requests (a create, a
/// narrowed get, a list following the get; some may be missing, and others answer nothing asked),
/// sometimes any other answer.
fn batch_answer() -> BoxedStrategy<HttpResponse> {
    let ours = [
        prop::option::weighted(0.9, batch_response("0", Just(documented_response()).boxed())),
        prop::option::weighted(0.9, batch_response("1", typed().boxed())),
        prop::option::weighted(0.9, batch_response("2", batch_page())),
    ];
    let responses = (ours, prop::collection::vec(json(), 0..2)).prop_map(|(ours, others)| {
        let responses: Vec<Value> = ours.into_iter().flatten().chain(others).collect();
        json!({ "responses": responses }).to_string().into_bytes()
    });
    let status = prop_oneof![4 => Just(StatusCode::OK), 1 => status()];
    (status, prop_oneof![4 => responses, 1 => body()])
        .prop_map(|(status, body)| {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static("0"));
            HttpResponse::new(status, headers, body)
        })
        .boxed()
}

/// What a batch ended with.
struct BatchOutcome {
    /// What the tickets' errors displayed.
    errors: Vec<String>,
    /// Every request sent.
    seen: Vec<HttpRequest>,
    /// How many tickets (and list items) read a value.
    values: usize,
    /// Whether the get had a success answer (read as a value, or not decoded): what the list,
    /// which follows it, waits for.
    get_answered: bool,
}

/// Sends a batch of a create, a narrowed get and a list to send after the get against the answers,
/// in order and over again, reads every ticket, and walks the list's pager.
fn run_batch(answers: Vec<HttpResponse>) -> BatchOutcome {
    let (transport, client, runtime) = scripted(&answers);
    let path = RequestPath::root().literal("items");
    let body = documented_request();
    let (errors, values, get_answered) = runtime.block_on(async {
        let mut batch = client.batch();
        let create = batch.add(Request::<Json<Assignment>>::new(&client, CREATE, path.clone()).body(&body));
        let get = batch.add(Request::<Json<Value>>::new(&client, NARROWED_GET, path.clone().param("1")));
        let list = batch
            .add_after([get.id()], Request::<graph_runtime::Paged<Value>>::new(&client, LIST, path.clone()));
        let mut answers = batch.send().await;
        let (mut errors, mut values) = (Vec::new(), 0);
        let mut get_answered = true;
        match answers.take(create) {
            Ok(_) => values += 1,
            Err(error) => errors.push(error),
        }
        match answers.take(get) {
            Ok(object) => {
                let odata_type = odata::type_name(&object);
                assert!(odata_type.is_none_or(|name| KEPT.contains(&name)), "{object}");
                values += 1;
            }
            Err(error) => {
                get_answered = matches!(error, Error::Decode(_));
                errors.push(error);
            }
        }
        let items: Vec<Result<Value, Error>> =
            answers.pager(list).max_pages(MAX_PAGES).items().collect().await;
        for item in items {
            match item {
                Ok(_) => values += 1,
                Err(error) => errors.push(error),
            }
        }
        let errors: Vec<String> = errors.iter().map(|error| format!("{error}\n{error:?}")).collect();
        (errors, values, get_answered)
    });
    let seen = transport.seen.lock().unwrap().clone();
    BatchOutcome { errors, seen, values, get_answered }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_batch_answers_give_every_ticket_a_value_or_an_error_within_the_retry_limit(
        answers in prop::collection::vec(batch_answer(), 1..6),
    ) {
        let BatchOutcome { errors, seen, get_answered, .. } = run_batch(answers);

        // Each round is one `$batch` with its retries, redirects and one token renewal; a round
        // retries only what was answered 429, 503 or 504, at most MAX_RETRIES times, and the list
        // may have as many rounds of its own once the get is answered. Then the list's further
        // pages, each an exchange of its own.
        let per_exchange = (1 + MAX_RETRIES + MAX_REDIRECTS + 1) as usize;
        let rounds = 2 * (1 + MAX_RETRIES as usize);
        let most = per_exchange * rounds + per_exchange * (MAX_PAGES as usize - 1);
        prop_assert!(seen.len() <= most, "{} requests", seen.len());
        // The list goes in no `$batch` with the get it follows, and in none unless the get had a
        // success answer.
        let batched = batched_ids(&seen);
        prop_assert!(!batched.iter().any(|ids| ids.contains(&"1".to_owned()) && ids.contains(&"2".to_owned())), "{batched:?}");
        prop_assert!(get_answered || !batched.iter().flatten().any(|id| id == "2"), "{batched:?}");
        token_kept(&seen, &errors)?;
    }
}

/// The ids of the requests of each `$batch` sent.
fn batched_ids(seen: &[HttpRequest]) -> Vec<Vec<String>> {
    seen.iter()
        .filter(|request| request.url.path().ends_with("/$batch"))
        .filter_map(|request| serde_json::from_slice::<Value>(request.body.as_deref()?).ok())
        .map(|body| {
            let requests = body["requests"].as_array().cloned().unwrap_or_default();
            requests.iter().filter_map(|request| request["id"].as_str().map(str::to_owned)).collect()
        })
        .collect()
}

/// The batch strategies reach what the property is about: tickets that read a value, requests
/// sent again in a later batch, a list sent after the get it follows, and paged on past the
/// batch's page.
#[test]
fn the_generated_batch_answers_answer_retry_and_page() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut reached: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..256 {
        let answers = prop::collection::vec(batch_answer(), 1..6).new_tree(&mut runner).unwrap().current();
        let BatchOutcome { seen, values, .. } = run_batch(answers);
        if values > 0 {
            *reached.entry("a value read").or_default() += 1;
        }
        let batched = batched_ids(&seen);
        if batched.iter().skip(1).any(|ids| ids.iter().any(|id| id != "2")) {
            *reached.entry("a request sent again in a later batch").or_default() += 1;
        }
        if batched.iter().flatten().any(|id| id == "2") {
            *reached.entry("the list sent after the get").or_default() += 1;
        }
        if seen.iter().any(|request| request.method == graph_runtime::transport::Method::GET) {
            *reached.entry("a list paged on").or_default() += 1;
        }
    }
    assert_eq!(reached.len(), 4, "{reached:?}");
}
