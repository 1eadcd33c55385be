//! The inbound SMTP listener (`--inbound-smtp-listen`, off by default): the reply
//! domain's MX, taking visitors' email replies (RFC 5321, the subset a receiving MTA
//! needs: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; `SIZE`, `8BITMIME`,
//! `PIPELINING`). Only genuine reply addresses are accepted at `RCPT`, so mail for
//! anyone else is refused before its body is sent; sizes, line lengths, recipients,
//! errors, idle time and connections are capped. No TLS: put it behind an MTA for that
//! (docs/email.md).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use crate::app::email_in::{Envelope, Received, Refused, WAIT_FOR_TURN};
use crate::app::App;

/// Connections served at once; more wait in the kernel's queue.
const MAX_CONNECTIONS: usize = 128;
/// A command must arrive within this (RFC 5321 suggests 5 minutes; senders retry).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// The whole of a message's data must arrive within this.
const DATA_TIMEOUT: Duration = Duration::from_secs(120);
/// A session ends after this long, whatever it is doing.
const SESSION_LIMIT: Duration = Duration::from_secs(600);
/// Commands one session may send.
const MAX_COMMANDS: u32 = 200;
/// Connections one client address may hold.
const PER_CLIENT: usize = 4;
/// Longest command line (RFC 5321: 512; some clients send longer parameters).
const MAX_COMMAND: u64 = 2048;
/// Longest piece of a data line read at once (longer lines are read in pieces).
const MAX_DATA_PIECE: u64 = 64 * 1024;
const MAX_RECIPIENTS: usize = 10;
/// Bad commands before the connection is closed.
const MAX_ERRORS: u32 = 10;

/// Serves connections until the task is aborted.
pub async fn serve(listener: TcpListener, app: Arc<App>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else { return };
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "inbound SMTP accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let (r, mut w) = stream.into_split();
            let Some(_place) = app.inbound_peers.enter(peer.ip().to_canonical(), PER_CLIENT) else {
                let _ = reply(&mut w, "421 4.7.0 too many connections from your address").await;
                return;
            };
            match tokio::time::timeout(SESSION_LIMIT, session(&app, BufReader::new(r), &mut w)).await {
                Ok(Err(e)) => tracing::debug!(peer = %peer, error = %e, "inbound SMTP session ended"),
                Err(_) => {
                    let _ = reply(&mut w, "421 4.4.2 session too long, closing").await;
                }
                Ok(Ok(())) => {}
            }
        });
    }
}

/// One SMTP session on a connection.
pub async fn session<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(app: &App, mut r: BufReader<R>, mut w: W) -> std::io::Result<()> {
    let host = app.reply_domain().unwrap_or("chinwag").to_owned();
    let max = app.settings.integrations.inbound_email_max_bytes;
    reply(&mut w, &format!("220 {host} Chinwag ESMTP ready")).await?;
    let mut envelope: Option<Envelope> = None;
    let mut errors = 0u32;
    let mut line = Vec::new();
    let mut commands = 0u32;
    loop {
        commands += 1;
        if commands > MAX_COMMANDS {
            return reply(&mut w, "421 4.7.0 too many commands, closing").await;
        }
        line.clear();
        let n = match tokio::time::timeout(COMMAND_TIMEOUT, (&mut r).take(MAX_COMMAND).read_until(b'\n', &mut line)).await {
            Ok(n) => n?,
            Err(_) => return reply(&mut w, "421 4.4.2 idle too long, closing").await,
        };
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            return reply(&mut w, "500 5.5.2 line too long, closing").await;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let mut bad = false;
        match verb.as_str() {
            "EHLO" => {
                envelope = None;
                reply(&mut w, &format!("250-{host}\r\n250-SIZE {max}\r\n250-8BITMIME\r\n250 PIPELINING")).await?;
            }
            "HELO" => {
                envelope = None;
                reply(&mut w, &format!("250 {host}")).await?;
            }
            "MAIL" => {
                let size = arg.split_whitespace().find_map(|p| p.to_ascii_uppercase().strip_prefix("SIZE=").and_then(|s| s.parse::<usize>().ok()));
                match path_arg(arg, "FROM:") {
                    None => {
                        bad = true;
                        reply(&mut w, "501 5.5.4 syntax: MAIL FROM:<address>").await?;
                    }
                    Some(_) if envelope.is_some() => {
                        bad = true;
                        reply(&mut w, "503 5.5.1 nested MAIL command").await?;
                    }
                    Some(_) if size.is_some_and(|s| s > max) => reply(&mut w, &format!("552 5.3.4 message larger than {max} bytes")).await?,
                    Some(from) => {
                        envelope = Some(Envelope { mail_from: Some(from), rcpt_to: Vec::new() });
                        reply(&mut w, "250 2.1.0 OK").await?;
                    }
                }
            }
            "RCPT" => match (&mut envelope, path_arg(arg, "TO:")) {
                (None, _) => {
                    bad = true;
                    reply(&mut w, "503 5.5.1 MAIL first").await?;
                }
                (Some(_), None) => {
                    bad = true;
                    reply(&mut w, "501 5.5.4 syntax: RCPT TO:<address>").await?;
                }
                (Some(e), Some(to)) => {
                    if e.rcpt_to.len() >= MAX_RECIPIENTS {
                        reply(&mut w, "452 4.5.3 too many recipients").await?;
                    } else if app.accepts_recipient(&to) || is_postmaster(&to, &host) {
                        e.rcpt_to.push(to);
                        reply(&mut w, "250 2.1.5 OK").await?;
                    } else {
                        bad = true;
                        reply(&mut w, "550 5.1.1 no such mailbox here").await?;
                    }
                }
            },
            "DATA" => match envelope.take() {
                Some(e) if !e.rcpt_to.is_empty() => {
                    // One turn among the node's inbound emails before the data is read.
                    let Ok(Ok(_turn)) = tokio::time::timeout(WAIT_FOR_TURN, app.inbound_email.acquire()).await else {
                        reply(&mut w, "451 4.3.2 busy, try again later").await?;
                        continue;
                    };
                    reply(&mut w, "354 end data with <CR><LF>.<CR><LF>").await?;
                    let raw = match tokio::time::timeout(DATA_TIMEOUT, read_data(&mut r, max)).await {
                        Ok(Ok(Some(raw))) => raw,
                        Ok(Ok(None)) => {
                            reply(&mut w, &format!("552 5.3.4 message larger than {max} bytes")).await?;
                            continue;
                        }
                        Ok(Err(e)) => return Err(e),
                        Err(_) => return reply(&mut w, "421 4.4.2 data took too long, closing").await,
                    };
                    // RFC 5321 4.5.1: postmaster takes mail. Nobody reads it here but the log.
                    if e.rcpt_to.iter().all(|to| is_postmaster(to, &host)) {
                        tracing::info!(from = ?e.mail_from, bytes = raw.len(), "mail to postmaster of the reply domain, logged and dropped");
                        reply(&mut w, "250 2.0.0 accepted").await?;
                        continue;
                    }
                    let answer = match app.receive_email(&raw, &e).await {
                        Ok(Received::Posted { .. }) => "250 2.0.0 posted".to_owned(),
                        Ok(Received::Held { .. }) => "250 2.0.0 held for review".to_owned(),
                        Ok(Received::Duplicate) => "250 2.0.0 already received".to_owned(),
                        Ok(Received::Dropped(_)) => "250 2.0.0 accepted".to_owned(),
                        Err(Refused::Permanent(why)) => format!("550 5.7.1 {}", one_line(&why)),
                        Err(Refused::Temporary(why)) => {
                            tracing::warn!(why, "inbound email refused for now");
                            "451 4.3.0 cannot take the message now, try again later".to_owned()
                        }
                    };
                    reply(&mut w, &answer).await?;
                }
                other => {
                    envelope = other;
                    bad = true;
                    reply(&mut w, "503 5.5.1 RCPT first").await?;
                }
            },
            "RSET" => {
                envelope = None;
                reply(&mut w, "250 2.0.0 OK").await?;
            }
            "NOOP" => reply(&mut w, "250 2.0.0 OK").await?,
            "VRFY" => reply(&mut w, "252 2.5.0 cannot verify, but will take replies").await?,
            "QUIT" => return reply(&mut w, "221 2.0.0 bye").await,
            _ => {
                bad = true;
                reply(&mut w, "502 5.5.2 command not implemented").await?;
            }
        }
        continue_if(&mut errors, bad, &mut w).await?;
        if errors >= MAX_ERRORS {
            return Ok(());
        }
    }
}

/// Counts a bad command; past the cap, says goodbye (the caller then closes).
async fn continue_if<W: AsyncWrite + Unpin>(errors: &mut u32, bad: bool, w: &mut W) -> std::io::Result<()> {
    if bad {
        *errors += 1;
        if *errors >= MAX_ERRORS {
            reply(w, "421 4.7.0 too many errors, closing").await?;
        }
    }
    Ok(())
}

/// The data up to the lone `.` line, dot-unstuffed; None if it outgrew `max` (read to
/// its end all the same, so the session can go on).
async fn read_data<R: AsyncRead + Unpin>(r: &mut BufReader<R>, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut raw = Vec::new();
    let mut too_big = false;
    let mut at_line_start = true;
    let mut piece = Vec::new();
    loop {
        piece.clear();
        let n = r.take(MAX_DATA_PIECE).read_until(b'\n', &mut piece).await?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed in DATA"));
        }
        let mut bytes = &piece[..];
        if at_line_start {
            // Only CRLF.CRLF ends the data (a bare LF does not: SMTP smuggling).
            if bytes == b".\r\n" {
                return Ok((!too_big).then_some(raw));
            }
            if bytes.starts_with(b".") {
                bytes = &bytes[1..];
            }
        }
        at_line_start = piece.ends_with(b"\n");
        if raw.len() + bytes.len() > max {
            too_big = true;
            raw = Vec::new();
        }
        if !too_big {
            raw.extend_from_slice(bytes);
        }
    }
}

/// The address of `FROM:<a>` / `TO:<a>` (brackets optional; `<>` is the null sender).
fn path_arg(arg: &str, prefix: &str) -> Option<String> {
    let arg = arg.trim();
    if arg.len() < prefix.len() || !arg[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let path = rest.split_whitespace().next().unwrap_or("");
    let path = path.strip_prefix('<').and_then(|p| p.strip_suffix('>')).unwrap_or(path);
    (path.len() <= 320 && !path.contains(['\r', '\n'])).then(|| path.to_owned())
}

/// `postmaster` (RFC 5321: any case, with or without the domain) at the reply domain.
fn is_postmaster(address: &str, domain: &str) -> bool {
    match address.rsplit_once('@') {
        Some((local, host)) => local.eq_ignore_ascii_case("postmaster") && host.eq_ignore_ascii_case(domain),
        None => address.eq_ignore_ascii_case("postmaster"),
    }
}

fn one_line(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}

async fn reply<W: AsyncWrite + Unpin>(w: &mut W, text: &str) -> std::io::Result<()> {
    w.write_all(text.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::path_arg;

    #[test]
    fn envelope_paths_parse_with_or_without_brackets_and_parameters() {
        assert_eq!(path_arg("FROM:<a@b.c> SIZE=100", "FROM:").as_deref(), Some("a@b.c"));
        assert_eq!(path_arg("from: <a@b.c>", "FROM:").as_deref(), Some("a@b.c"));
        assert_eq!(path_arg("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path_arg("TO:x@y.z", "TO:").as_deref(), Some("x@y.z"));
        assert_eq!(path_arg("TO x@y.z", "TO:"), None);
    }
}
