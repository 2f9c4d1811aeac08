//! A minimal HTTP/1.1 file server on 127.0.0.1 for the tests: fixed routes (body, optionally a
//! status and a content type), `Connection: close`, a record of every path and header
//! requested, and optionally answers held back until the test opens a gate. Also the ways a
//! server can be dead: one that accepts connections and never answers, one that trickles a
//! byte at a time, and a port nothing listens on.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct Server {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Every request header line received (`name: value`, name lowercased).
    pub headers: Arc<Mutex<Vec<String>>>,
}

/// One route's answer.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type: Some(content_type),
            body: body.into(),
        }
    }
}

/// Plain bodies as 200 replies without a content type.
fn plain(routes: HashMap<String, Vec<u8>>) -> HashMap<String, Reply> {
    routes
        .into_iter()
        .map(|(k, body)| {
            (
                k,
                Reply {
                    status: 200,
                    content_type: None,
                    body,
                },
            )
        })
        .collect()
}

impl Server {
    /// Serve `routes` (path → body) until the test process ends; other paths get 404.
    pub fn start(routes: HashMap<String, Vec<u8>>) -> Server {
        Server::start_with(|_| routes)
    }

    /// Like [`Server::start`], but each request is answered only once `gate` is open (the
    /// request is recorded as soon as it arrives).
    pub fn start_gated(routes: HashMap<String, Vec<u8>>, gate: Arc<AtomicBool>) -> Server {
        Server::serve(|_| plain(routes), Some(gate))
    }

    /// Like [`Server::start`], for routes whose bodies must name the server's own URL.
    pub fn start_with(routes: impl FnOnce(&str) -> HashMap<String, Vec<u8>>) -> Server {
        Server::start_replies(|url| plain(routes(url)))
    }

    /// Like [`Server::start_with`], with a status and content type per route.
    pub fn start_replies(routes: impl FnOnce(&str) -> HashMap<String, Reply>) -> Server {
        Server::serve(routes, None)
    }

    fn serve(
        routes: impl FnOnce(&str) -> HashMap<String, Reply>,
        gate: Option<Arc<AtomicBool>>,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes = routes(&url);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let headers = Arc::new(Mutex::new(Vec::new()));
        let (seen, seen_headers) = (Arc::clone(&requests), Arc::clone(&headers));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                    let h = h.trim_end();
                    let lowered = match h.split_once(':') {
                        Some((k, v)) => format!("{}:{v}", k.to_ascii_lowercase()),
                        None => h.to_string(),
                    };
                    seen_headers.lock().unwrap().push(lowered);
                }
                seen.lock().unwrap().push(path.clone());
                while gate.as_ref().is_some_and(|g| !g.load(Ordering::SeqCst)) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                let key = path.replace("%2F", "%2f");
                let reply = routes.get(&key).cloned().unwrap_or(Reply {
                    status: 404,
                    content_type: None,
                    body: b"{}".to_vec(),
                });
                let reason = match reply.status {
                    200 => "OK",
                    404 => "Not Found",
                    _ => "Status",
                };
                let ctype = reply
                    .content_type
                    .map(|c| format!("Content-Type: {c}\r\n"))
                    .unwrap_or_default();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {} {reason}\r\n{ctype}Content-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = stream.write_all(&reply.body);
            }
        });
        Server {
            url,
            requests,
            headers,
        }
    }

    pub fn seen(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A server that accepts every connection and never says a word (a black hole), until the
/// test process ends. Returns its URL.
pub fn silent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// A server that answers `200 OK` with a 100,000-byte body and then sends one byte every
/// 100 ms (about three hours in all), until the test process ends. Returns its URL.
pub fn trickle() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                for _ in 0..100_000 {
                    if s.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
        }
    });
    url
}

/// The URL of a port nothing listens on (connections are refused).
pub fn refusing() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}
