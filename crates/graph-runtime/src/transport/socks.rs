//! SOCKS proxies, read as curl reads them: `socks5h://` and `socks4a://` proxies resolve the
//! destination's name themselves, `socks5://` and `socks4://` are given an address resolved here.
//! The handshakes are hyper-util's SOCKS connectors, built with the crate's `socks` feature; without
//! it a SOCKS proxy is an error that names the feature, never a silent direct connection.

#[cfg(feature = "socks")]
pub(super) use with_socks::connect;
#[cfg(not(feature = "socks"))]
pub(super) use without_socks::connect;

/// Whether `scheme` names a SOCKS proxy.
pub(super) fn is_socks(scheme: &str) -> bool {
    matches!(scheme, "socks5h" | "socks5" | "socks4a" | "socks4")
}

#[cfg(feature = "socks")]
mod with_socks {
    use http::Uri;
    use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5};
    use hyper_util::client::proxy::matcher::Intercept;
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpStream;
    use tower_service::Service as _;

    use super::super::connect::{host as url_host, tcp, BoxError};

    /// A TCP stream to `host:port` through the SOCKS proxy `proxy`, ready for TLS or HTTP.
    pub(in super::super) async fn connect(
        proxy: &Intercept,
        host: &str,
        port: u16,
    ) -> Result<TokioIo<TcpStream>, BoxError> {
        let scheme = proxy.uri().scheme_str().unwrap_or_default();
        let destination = destination(scheme, host, port).await?;
        // Connected here rather than by the connectors, whose errors drop the cause of a failed connection.
        let proxy_host = url_host(proxy.uri())?;
        let proxy_port = proxy.uri().port_u16().unwrap_or(DEFAULT_PORT);
        let to_proxy = tcp(proxy_host, proxy_port).await.map_err(|error| {
            format!("could not connect to the SOCKS proxy {proxy_host}:{proxy_port}: {error}")
        })?;
        let to_proxy = Connected(Some(to_proxy));
        let proxy_uri = proxy.uri().clone();
        let tunnel = if scheme.starts_with("socks5") {
            let mut socks = SocksV5::new(proxy_uri, to_proxy);
            if let Some((user, password)) = proxy.raw_auth() {
                socks = socks.with_auth(user.to_owned(), password.to_owned());
            }
            socks.call(destination).await
        } else {
            SocksV4::new(proxy_uri, to_proxy).call(destination).await
        };
        // The error's Display says what failed, its Debug the cause (an I/O error's kind).
        tunnel.map_err(|error| {
            format!("the SOCKS proxy opened no tunnel to {host}:{port}: {error} ({error:?})").into()
        })
    }

    /// The port of a SOCKS proxy whose URL gives none (curl's too).
    const DEFAULT_PORT: u16 = 1080;

    /// The connection to the proxy, already open, as the connector service the SOCKS connectors wrap.
    struct Connected(Option<TokioIo<TcpStream>>);

    impl tower_service::Service<Uri> for Connected {
        type Response = TokioIo<TcpStream>;
        type Error = std::io::Error;
        type Future = std::future::Ready<Result<TokioIo<TcpStream>, std::io::Error>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), std::io::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        /// Hands over the open connection; the connectors call this once.
        fn call(&mut self, _proxy: Uri) -> Self::Future {
            std::future::ready(
                self.0
                    .take()
                    .ok_or_else(|| std::io::Error::other("the SOCKS proxy connection was used twice")),
            )
        }
    }

    /// What the proxy is asked to connect to, with the port always given (the connectors assume 443
    /// without one): the name itself for `socks5h://` and `socks4a://`; for `socks5://` and
    /// `socks4://`, an address of it resolved here (IPv4 for SOCKS4, which has no other).
    async fn destination(scheme: &str, host: &str, port: u16) -> Result<Uri, BoxError> {
        let name_resolved_by_proxy = matches!(scheme, "socks5h" | "socks4a");
        let authority = if name_resolved_by_proxy {
            bracketed(host)
        } else {
            let ipv4_only = scheme == "socks4";
            let address = tokio::net::lookup_host((host, port))
                .await?
                .find(|address| !ipv4_only || address.is_ipv4())
                .ok_or_else(|| format!("{host} has no address a {scheme}:// proxy can be given"))?;
            bracketed(&address.ip().to_string())
        };
        Ok(Uri::try_from(format!("{scheme}://{authority}:{port}/"))?)
    }

    /// `host` as a URL's host: an IPv6 literal in brackets.
    fn bracketed(host: &str) -> String {
        if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        }
    }
}

#[cfg(not(feature = "socks"))]
mod without_socks {
    use hyper_util::client::proxy::matcher::Intercept;
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpStream;

    use super::super::connect::BoxError;

    /// Refuses: this build has no SOCKS, and going direct instead would bypass the proxy.
    pub(in super::super) async fn connect(
        proxy: &Intercept,
        _host: &str,
        _port: u16,
    ) -> Result<TokioIo<TcpStream>, BoxError> {
        let scheme = proxy.uri().scheme_str().unwrap_or_default();
        Err(format!("the proxy is a {scheme}:// proxy: SOCKS needs graph-runtime's `socks` feature").into())
    }
}

#[cfg(all(test, feature = "socks"))]
mod tests {
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::super::tests::{
        assert_exchanged_over_tls, get, http_server, tls_server_preferring_h2, transport,
    };
    use super::super::{StatusCode, Transport as _, TransportErrorKind};

    /// What a SOCKS client asked the proxy for.
    #[derive(Debug, PartialEq)]
    enum Asked {
        Name(String, u16),
        Address(std::net::IpAddr, u16),
    }

    /// What the test proxy saw: the destination asked for, and the credentials given (SOCKS5's
    /// username and password, SOCKS4's user ID).
    #[derive(Debug, PartialEq)]
    struct Seen {
        asked: Asked,
        credentials: Option<(String, String)>,
    }

    async fn byte(stream: &mut (impl AsyncRead + Unpin)) -> u8 {
        stream.read_u8().await.unwrap()
    }

    async fn bytes(stream: &mut (impl AsyncRead + Unpin), count: usize) -> Vec<u8> {
        let mut buffer = vec![0; count];
        stream.read_exact(&mut buffer).await.unwrap();
        buffer
    }

    async fn null_terminated(stream: &mut (impl AsyncRead + Unpin)) -> String {
        let mut text = Vec::new();
        loop {
            match byte(stream).await {
                0 => return String::from_utf8(text).unwrap(),
                other => text.push(other),
            }
        }
    }

    /// A SOCKS5 or SOCKS4 proxy on loopback serving one connection (RFC 1928 and 1929; SOCKS4 and
    /// 4a), which grants the tunnel with `reply` (0 for SOCKS5's success) and relays it to
    /// `127.0.0.1` at the port asked for, whatever the destination.
    async fn socks_proxy(reply: u8) -> (u16, tokio::task::JoinHandle<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = tokio::spawn(async move {
            let (mut client, _) = listener.accept().await.unwrap();
            let seen = match byte(&mut client).await {
                5 => socks5_handshake(&mut client, reply).await,
                _ => socks4_handshake(&mut client).await,
            };
            let port = match seen.asked {
                Asked::Name(_, port) | Asked::Address(_, port) => port,
            };
            if reply == 0 {
                let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
            seen
        });
        (port, seen)
    }

    async fn socks5_handshake(client: &mut tokio::net::TcpStream, reply: u8) -> Seen {
        let methods = usize::from(byte(client).await);
        let methods = bytes(client, methods).await;
        let mut credentials = None;
        if methods.contains(&2) {
            client.write_all(&[5, 2]).await.unwrap();
            assert_eq!(byte(client).await, 1);
            let length = usize::from(byte(client).await);
            let user = String::from_utf8(bytes(client, length).await).unwrap();
            let length = usize::from(byte(client).await);
            let password = String::from_utf8(bytes(client, length).await).unwrap();
            credentials = Some((user, password));
            client.write_all(&[1, 0]).await.unwrap();
        } else {
            client.write_all(&[5, 0]).await.unwrap();
        }
        // CONNECT.
        assert_eq!(bytes(client, 3).await, [5, 1, 0]);
        let address = match byte(client).await {
            1 => Err(std::net::IpAddr::from(<[u8; 4]>::try_from(bytes(client, 4).await).unwrap())),
            4 => Err(std::net::IpAddr::from(<[u8; 16]>::try_from(bytes(client, 16).await).unwrap())),
            _ => {
                let length = usize::from(byte(client).await);
                Ok(String::from_utf8(bytes(client, length).await).unwrap())
            }
        };
        let port = client.read_u16().await.unwrap();
        client.write_all(&[5, reply, 0, 1, 127, 0, 0, 1, 0, 0]).await.unwrap();
        let asked = match address {
            Ok(name) => Asked::Name(name, port),
            Err(address) => Asked::Address(address, port),
        };
        Seen { asked, credentials }
    }

    async fn socks4_handshake(client: &mut tokio::net::TcpStream) -> Seen {
        assert_eq!(byte(client).await, 1, "CONNECT");
        let port = client.read_u16().await.unwrap();
        let address = <[u8; 4]>::try_from(bytes(client, 4).await).unwrap();
        let user = null_terminated(client).await;
        // SOCKS4a: 0.0.0.x, x not 0, then the name.
        let asked = if address[..3] == [0, 0, 0] && address[3] != 0 {
            Asked::Name(null_terminated(client).await, port)
        } else {
            Asked::Address(address.into(), port)
        };
        client.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).await.unwrap();
        Seen { asked, credentials: Some((user, String::new())).filter(|(user, _)| !user.is_empty()) }
    }

    #[tokio::test]
    async fn https_through_a_socks5h_proxy_names_the_host_gives_the_credentials_and_speaks_tls_to_the_destination(
    ) {
        let (port, server) = tls_server_preferring_h2().await;
        let (proxy_port, seen) = socks_proxy(0).await;
        let transport = transport(Some(&format!("socks5h://user:secret@127.0.0.1:{proxy_port}")));
        let request =
            tokio::spawn(
                async move { transport.send(get(&format!("https://localhost:{port}/v1.0/me"))).await },
            );
        assert_exchanged_over_tls(server.await.unwrap(), request).await;
        let seen = seen.await.unwrap();
        assert_eq!(seen.asked, Asked::Name("localhost".to_owned(), port));
        assert_eq!(seen.credentials, Some(("user".to_owned(), "secret".to_owned())));
    }

    #[tokio::test]
    async fn http_through_a_socks5_proxy_gives_it_an_address_resolved_here_and_sends_origin_form() {
        let (port, head) = http_server().await;
        let (proxy_port, seen) = socks_proxy(0).await;
        get_ok_through(
            &format!("socks5://127.0.0.1:{proxy_port}"),
            &format!("http://localhost:{port}/v1.0/me?$top=1"),
        )
        .await;
        let seen = seen.await.unwrap();
        assert!(
            matches!(seen.asked, Asked::Address(address, asked) if address.is_loopback() && asked == port),
            "{seen:?}"
        );
        assert_eq!(seen.credentials, None);
        // Not the absolute form an HTTP proxy is sent: the proxy only carries the bytes.
        let head = head.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /v1.0/me?$top=1 http/1.1\r\n"), "{head}");
    }

    #[tokio::test]
    async fn a_socks4a_proxy_is_given_the_name_and_a_socks4_proxy_an_ipv4_address() {
        for (scheme, expected) in [
            ("socks4a", Asked::Name("localhost".to_owned(), 0)),
            ("socks4", Asked::Address(std::net::Ipv4Addr::LOCALHOST.into(), 0)),
        ] {
            let (port, head) = http_server().await;
            let (proxy_port, seen) = socks_proxy(0).await;
            get_ok_through(
                &format!("{scheme}://127.0.0.1:{proxy_port}"),
                &format!("http://localhost:{port}/v1.0/me"),
            )
            .await;
            let expected = match expected {
                Asked::Name(name, _) => Asked::Name(name, port),
                Asked::Address(address, _) => Asked::Address(address, port),
            };
            assert_eq!(seen.await.unwrap().asked, expected, "{scheme}");
            assert!(head.await.unwrap().starts_with("GET /v1.0/me HTTP/1.1\r\n"));
        }
    }

    #[tokio::test]
    async fn a_socks5_proxy_refusing_the_connection_is_a_connect_error_saying_so() {
        // 5: connection refused by the destination host.
        let (proxy_port, seen) = socks_proxy(5).await;
        let error = transport(Some(&format!("socks5h://127.0.0.1:{proxy_port}")))
            .send(get("https://graph.invalid/v1.0/me"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
        assert!(error.to_string().contains("opened no tunnel to graph.invalid:443"), "{error}");
        assert_eq!(seen.await.unwrap().asked, Asked::Name("graph.invalid".to_owned(), 443));
    }

    #[tokio::test]
    async fn a_socks_proxy_that_is_not_listening_is_a_connect_error_naming_it() {
        // Bound but not listening: connections are refused, and the port stays this test's. (A
        // listener bound and dropped frees it for another test's listener to take meanwhile.)
        let unused = tokio::net::TcpSocket::new_v4().unwrap();
        unused.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let proxy_port = unused.local_addr().unwrap().port();
        let error = transport(Some(&format!("socks5h://127.0.0.1:{proxy_port}")))
            .send(get("https://graph.invalid/v1.0/me"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
        assert!(error.to_string().contains(&format!("SOCKS proxy 127.0.0.1:{proxy_port}")), "{error}");
        drop(unused);
    }

    /// GETs `url` through `proxy` and checks it was answered with [`super::super::tests::ANSWER`].
    async fn get_ok_through(proxy: &str, url: &str) {
        let response = transport(Some(proxy)).send(get(url)).await.unwrap();
        assert_eq!((response.status, &response.body[..]), (StatusCode::OK, &b"{}"[..]));
    }
}
