//! Forwarding audit records to syslog as RFC 5424 messages over UDP (one datagram each), TCP
//! (RFC 6587 octet counting) or a local Unix socket (`unix:///dev/log`). The structured data
//! carries the record's chain position (`seq`, `prev`, `hash`) so an off-host copy anchors the
//! chain; the message is the stored JSON line. Sends once with short timeouts; it does not queue,
//! retry or spool: a failure is returned for the audit layer to report or block on.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

use super::{Decision, Record};

const TIMEOUT: Duration = Duration::from_secs(3);
/// The SD-ID. 32473 is the enterprise number RFC 5612 reserves for documentation; installguard
/// has no registered one.
pub const SD_ID: &str = "installguard@32473";
/// Facility 13: log audit.
const FACILITY: u8 = 13;
/// Largest UDP payload we send (IPv4 limit minus headers).
const UDP_MAX: usize = 65_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Udp(String),
    Tcp(String),
    Unix(PathBuf),
}

/// Parse `udp://host:port`, `tcp://host:port` or `unix:///path`.
pub fn parse(url: &str) -> std::io::Result<Destination> {
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "expected udp://host:port, tcp://host:port or unix:///path",
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    match scheme {
        "udp" if !rest.is_empty() => Ok(Destination::Udp(rest.to_string())),
        "tcp" if !rest.is_empty() => Ok(Destination::Tcp(rest.to_string())),
        "unix" if rest.starts_with('/') => Ok(Destination::Unix(PathBuf::from(rest))),
        _ => Err(bad()),
    }
}

/// An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 §6.3.3).
fn sd_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A header field: printable US-ASCII without spaces, at most `max` characters, `-` if empty.
fn header_field(s: &str, max: usize) -> String {
    let f: String = s.chars().filter(char::is_ascii_graphic).take(max).collect();
    if f.is_empty() { "-".into() } else { f }
}

/// The RFC 5424 message for a record (already redacted: every field of a record is).
pub fn rfc5424(record: &Record) -> String {
    // What the watch saw during an install is a warning whatever the decision was.
    let behaviour = record.behaviour.value().as_array().map_or(0, Vec::len);
    let severity = match record.decision {
        Decision::Allowed if behaviour == 0 => 5, // notice
        Decision::Allowed | Decision::Blocked | Decision::Declined => 4, // warning
    };
    let pri = u16::from(FACILITY) * 8 + severity;
    let params = [
        ("seq", record.seq.to_string()),
        ("prev", record.prev.clone()),
        ("hash", record.hash.clone()),
        ("decision", record.decision.as_str().to_string()),
        ("decidedBy", record.decided_by.as_str().to_string()),
        ("verdict", record.verdict.clone()),
        ("program", record.program.clone()),
        ("user", record.user.clone()),
        ("behaviour", behaviour.to_string()),
    ];
    let sd: String = params
        .iter()
        .map(|(k, v)| format!(" {k}=\"{}\"", sd_escape(v)))
        .collect();
    format!(
        "<{pri}>1 {} {} installguard {} {} [{SD_ID}{sd}] \u{feff}{}",
        header_field(&record.time, 64),
        header_field(&record.host, 255),
        record.pid,
        header_field(record.decision.as_str(), 32),
        record.line()
    )
}

fn tcp(addr: &str) -> std::io::Result<TcpStream> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, TIMEOUT) {
            Ok(s) => {
                s.set_write_timeout(Some(TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
}

fn udp(addr: &str) -> std::io::Result<UdpSocket> {
    let target = addr
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("the address resolves to nothing"))?;
    let bind = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let s = UdpSocket::bind(bind)?;
    s.set_write_timeout(Some(TIMEOUT))?;
    s.connect(target)?;
    Ok(s)
}

/// Send one message.
pub fn send(url: &str, message: &str) -> std::io::Result<()> {
    let bytes = message.as_bytes();
    match parse(url)? {
        Destination::Udp(a) => {
            if bytes.len() > UDP_MAX {
                return Err(std::io::Error::other(format!(
                    "record of {} bytes is too large for one UDP datagram; use tcp://",
                    bytes.len()
                )));
            }
            let s = udp(&a)?;
            let n = s.send(bytes)?;
            if n != bytes.len() {
                return Err(std::io::Error::other("short UDP send"));
            }
            Ok(())
        }
        Destination::Tcp(a) => {
            let mut s = tcp(&a)?;
            let mut framed = format!("{} ", bytes.len()).into_bytes();
            framed.extend_from_slice(bytes);
            s.write_all(&framed)?;
            s.flush()?;
            // Close our side and let the peer see the end, without waiting for it.
            let _ = s.shutdown(std::net::Shutdown::Write);
            Ok(())
        }
        Destination::Unix(p) => {
            let d = UnixDatagram::unbound()?;
            d.set_write_timeout(Some(TIMEOUT))?;
            match d.send_to(bytes, &p) {
                Ok(_) => Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
                    let mut s = UnixStream::connect(&p)?;
                    s.set_write_timeout(Some(TIMEOUT))?;
                    s.write_all(bytes)?;
                    s.write_all(b"\n")
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// Forward a record: its RFC 5424 form to `url`.
pub fn send_record(url: &str, record: &Record) -> std::io::Result<()> {
    send(url, &rfc5424(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_destinations() {
        assert_eq!(
            parse("udp://127.0.0.1:514").unwrap(),
            Destination::Udp("127.0.0.1:514".into())
        );
        assert_eq!(
            parse("unix:///dev/log").unwrap(),
            Destination::Unix("/dev/log".into())
        );
        assert!(parse("http://x").is_err());
        assert!(parse("tcp://").is_err());
    }

    #[test]
    fn message_has_header_and_structured_data() {
        let mut r = crate::audit::test_record(0);
        r.seq = 7;
        r.hash = "ab".repeat(32);
        r.user = "a\"b]".into();
        let m = rfc5424(&r);
        assert!(
            m.starts_with(
                "<109>1 2026-11-28T00:00:00Z h installguard 1 allowed [installguard@32473 seq=\"7\""
            ),
            "{m}"
        );
        assert!(m.contains("user=\"a\\\"b\\]\""), "{m}");
        assert!(m.contains(&format!("hash=\"{}\"", "ab".repeat(32))));
        assert!(m.ends_with(&r.line()));
        assert!(m.contains(" behaviour=\"0\"]"), "{m}");
        r.behaviour =
            crate::redact::RedactedJson::from_value(serde_json::json!([{"path": "~/.bashrc"}]));
        let m = rfc5424(&r);
        assert!(
            m.starts_with("<108>1 "),
            "an install the watch saw something in is a warning: {m}"
        );
        assert!(m.contains(" behaviour=\"1\"]"), "{m}");
    }
}
