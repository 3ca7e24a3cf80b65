//! Servers that misbehave below HTTP: never answering, closing mid-response, not listening.
//!
//! wiremock always answers properly, so these use a tiny tokio server on 127.0.0.1 that serves a
//! bounded number of connections and stops by itself.

use std::time::{Duration, Instant};

use graph_runtime::{Error, RequestPath, RetryPolicy, TransportErrorKind};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

/// How long a misbehaving server keeps a connection open at most.
const HOLD: Duration = Duration::from_secs(5);

/// Reads until the end of the request head (or `HOLD`), so the client has finished sending.
async fn read_request_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    let _ = tokio::time::timeout(HOLD, async {
        while !head.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => head.extend_from_slice(buffer.get(..read).unwrap_or_default()),
            }
        }
    })
    .await;
}

/// Starts a server that handles one connection with `serve`, returning its base URL.
async fn one_connection_server<F, Fut>(serve: F) -> String
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok(Ok((stream, _))) = tokio::time::timeout(HOLD, listener.accept()).await {
            serve(stream).await;
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_server_that_never_answers_gives_a_timeout_error() {
    let base_url = one_connection_server(|mut stream| async move {
        read_request_head(&mut stream).await;
        tokio::time::sleep(HOLD).await;
    })
    .await;
    let client = builder(&base_url)
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.send_json::<Value, Value>(GET_ITEM, &RequestPath::root(), None).await.unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(error.to_string().starts_with("GET /v1.0/items/{id}: timed out"), "{error}");
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_an_error_not_a_panic() {
    let base_url = one_connection_server(|mut stream| async move {
        read_request_head(&mut stream).await;
        let partial =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"ab";
        let _ = stream.write_all(partial).await;
        let _ = stream.shutdown().await;
    })
    .await;

    let error =
        client(&base_url).send_json::<Value, Value>(GET_ITEM, &RequestPath::root(), None).await.unwrap_err();

    let Error::Transport { source, attempts, .. } = &error else {
        panic!("expected a transport error, got {error:?}")
    };
    assert_eq!(source.kind(), TransportErrorKind::Body, "{error}");
    assert_eq!(*attempts, 1);
}

#[tokio::test]
async fn a_port_nobody_listens_on_gives_a_connect_error() {
    // Bound but not listening: connections are refused, and the port stays this test's. (A
    // listener bound and dropped frees it for another test's listener to take meanwhile.)
    let unused = tokio::net::TcpSocket::new_v4().unwrap();
    unused.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = unused.local_addr().unwrap();

    let error = client(&format!("http://{address}"))
        .send_json::<Value, Value>(GET_ITEM, &RequestPath::root(), None)
        .await
        .unwrap_err();
    drop(unused);

    let Error::Transport { source, .. } = &error else { panic!("expected a transport error, got {error:?}") };
    assert_eq!(source.kind(), TransportErrorKind::Connect, "{error}");
    assert!(error.to_string().contains("could not connect"), "{error}");
}
