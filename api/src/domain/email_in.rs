//! Email replies, the pure part: the reply address's token, what the visitor wrote (quoted
//! text and signatures cut), and which mail is automatic (RFC 3834 auto-replies, bounces).
//! `app::email_in` applies them to a conversation.

/// The local part's prefix of a reply address: `reply+<token>@<reply domain>`.
pub const LOCAL_PREFIX: &str = "reply+";
/// The prefix of the `Message-ID`s of the team's emailed replies: `<c.<token>.<job>@host>`,
/// so a reply threads by `In-Reply-To`/`References` even when its address was lost.
pub const MESSAGE_ID_PREFIX: &str = "c.";
/// Bytes of MAC in a token (80 bits; hex, as mail systems may fold the case).
pub const MAC_BYTES: usize = 10;

/// A token's parts: the conversation id and its MAC, as found in an address or a
/// `Message-ID` (the MAC is checked by the caller, who holds the key).
#[derive(Debug, PartialEq, Eq)]
pub struct Token {
    pub conversation_id: String,
    pub mac: String,
}

/// `cnv_01j9...` + `.` + MAC: the conversation id lowercased (ULIDs are case-insensitive).
pub fn token(conversation_id: &str, mac: &str) -> String {
    format!("{}.{mac}", conversation_id.to_ascii_lowercase())
}

/// The token in `s` (`cnv_<ulid>.<hex mac>`, any case), or None.
pub fn parse_token(s: &str) -> Option<Token> {
    let (id, mac) = s.split_once('.')?;
    let (prefix, ulid) = id.split_once('_')?;
    let ok = prefix.eq_ignore_ascii_case("cnv")
        && ulid.len() == 26
        && ulid.bytes().all(|b| b.is_ascii_alphanumeric())
        && mac.len() == MAC_BYTES * 2
        && mac.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| Token { conversation_id: format!("cnv_{}", ulid.to_ascii_uppercase()), mac: mac.to_ascii_lowercase() })
}

/// The token of a reply address at `domain` (`reply+<token>@domain`, any case), or None
/// for any other address.
pub fn token_of_address(address: &str, domain: &str) -> Option<Token> {
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, host) = address.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) || local.len() <= LOCAL_PREFIX.len() || !local[..LOCAL_PREFIX.len()].eq_ignore_ascii_case(LOCAL_PREFIX) {
        return None;
    }
    parse_token(&local[LOCAL_PREFIX.len()..])
}

/// The token of one of our `Message-ID`s (`c.<token>.<job id>@host`, brackets optional).
pub fn token_of_message_id(id: &str) -> Option<Token> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let rest = id.strip_prefix(MESSAGE_ID_PREFIX)?;
    let (local, _) = rest.split_once('@')?;
    // `<token>.<job>`: the token itself holds one dot.
    let mut parts = local.splitn(3, '.');
    let (id, mac) = (parts.next()?, parts.next()?);
    parse_token(&format!("{id}.{mac}"))
}

/// Why a message is automatic and dropped, or None for one a person wrote.
/// `headers`: `(lowercased name, value)`; `envelope_from`: the SMTP `MAIL FROM` where known
/// (empty for a bounce).
pub fn automatic(headers: &[(String, String)], envelope_from: Option<&str>) -> Option<&'static str> {
    if envelope_from.is_some_and(|f| f.trim().trim_start_matches('<').trim_end_matches('>').is_empty()) {
        return Some("a bounce (empty envelope sender)");
    }
    for (name, value) in headers {
        let v = value.trim().to_ascii_lowercase();
        match name.as_str() {
            // RFC 3834: anything but `no` is automatic.
            "auto-submitted" if v != "no" => return Some("Auto-Submitted"),
            "x-autoreply" | "x-autorespond" | "x-auto-response" => return Some("an auto-reply header"),
            "precedence" if matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply") => return Some("Precedence: bulk"),
            "x-failed-recipients" => return Some("a bounce (X-Failed-Recipients)"),
            // Delivery and read reports (RFC 3462, 3798).
            "content-type" if v.starts_with("multipart/report") => return Some("a delivery or read report"),
            "from" => {
                let local = v.rsplit_once('@').map(|(l, _)| l.rsplit(['<', ' ', '"']).next().unwrap_or(l)).unwrap_or("");
                if local == "mailer-daemon" || local == "postmaster" {
                    return Some("a bounce (mailer-daemon)");
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether an `Authentication-Results` header says the sender's DMARC policy failed.
pub fn dmarc_failed(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(n, v)| n == "authentication-results" && v.split(';').any(|part| part.trim().to_ascii_lowercase().replace(' ', "").starts_with("dmarc=fail")))
}

/// What the sender wrote, without the conversation it quotes: quoted (`>`) lines and the
/// attribution line that introduces them ("On ... wrote:") are skipped wherever they are
/// (so a reply written below or between quotes is kept); an Outlook header block, a
/// forwarded or original-message separator, a signature (`-- `) or a mobile footer ends
/// it. Line ends become `\n`.
pub fn strip_reply(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if line == "-- " || t == "--" || t == "\u{2014}" || is_separator(t) || is_mobile_footer(t) {
            break;
        }
        // "On Mon, 7 Dec 2026 at 10:00, Shop <x@y> wrote:", possibly wrapped onto two lines.
        if is_attribution(t) {
            i += 1;
            continue;
        }
        if i + 1 < lines.len() && is_attribution(&format!("{t} {}", lines[i + 1].trim())) {
            i += 2;
            continue;
        }
        // Outlook's header block: after a blank line, "From:" then "Sent:" (or "Date:")
        // and "Subject:" within the next four lines.
        let after_blank = kept.last().is_none_or(|l| l.trim().is_empty());
        if after_blank && (t.starts_with("From:") || t.starts_with("*From:*")) {
            let next: Vec<&str> = lines[i + 1..].iter().take(4).map(|l| l.trim().trim_start_matches('*')).collect();
            let sent = next.iter().any(|l| l.starts_with("Sent:") || l.starts_with("Date:"));
            let subject = next.iter().any(|l| l.starts_with("Subject:"));
            if sent && subject {
                break;
            }
        }
        if t.starts_with('>') {
            i += 1;
            continue;
        }
        kept.push(line.trim_end());
        i += 1;
    }
    // Blank runs left where quotes were cut collapse to one blank line.
    let mut out: Vec<&str> = Vec::new();
    for l in kept {
        if l.is_empty() && out.last().is_none_or(|p: &&str| p.is_empty()) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn is_separator(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    (t.len() >= 10 && t.chars().all(|c| c == '_'))
        || (lower.starts_with("-----") && (lower.contains("original message") || lower.contains("forwarded message")))
        || lower.starts_with("begin forwarded message")
}

fn is_mobile_footer(t: &str) -> bool {
    ["Sent from my ", "Get Outlook for ", "Sent from Mail for ", "Sent from Yahoo Mail"].iter().any(|p| t.starts_with(p))
}

fn is_attribution(t: &str) -> bool {
    let lower = t.to_lowercase();
    let wrote = ["wrote:", "a écrit :", "a écrit:", "schrieb:", "escribió:", "scritto:", "schreef:", "escreveu:"];
    let starts = ["on ", "le ", "am ", "el ", "il ", "op ", "em "];
    wrote.iter().any(|w| lower.ends_with(w)) && starts.iter().any(|s| lower.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn tokens_survive_case_folding_and_name_the_conversation() {
        let t = token("cnv_01JABCDEFGHJKMNPQRSTVWXYZ0", "0123456789abcdef0123");
        assert_eq!(t, "cnv_01jabcdefghjkmnpqrstvwxyz0.0123456789abcdef0123");
        let parsed = token_of_address(&format!("REPLY+{}@Reply.Example.COM", t.to_uppercase()), "reply.example.com").unwrap();
        assert_eq!(parsed, Token { conversation_id: "cnv_01JABCDEFGHJKMNPQRSTVWXYZ0".into(), mac: "0123456789abcdef0123".into() });
        assert!(token_of_address(&format!("reply+{t}@other.example"), "reply.example.com").is_none());
        assert!(token_of_address(&format!("support+{t}@reply.example.com"), "reply.example.com").is_none());
        assert!(token_of_address("reply+cnv_short.00@reply.example.com", "reply.example.com").is_none());
        let mid = format!("<{MESSAGE_ID_PREFIX}{t}.job_01JXYZ@mail.example.com>");
        assert_eq!(token_of_message_id(&mid).unwrap().conversation_id, "cnv_01JABCDEFGHJKMNPQRSTVWXYZ0");
        assert!(token_of_message_id("<CAF123@mail.gmail.com>").is_none());
    }

    #[test]
    fn quoted_text_attributions_and_signatures_are_cut() {
        let gmail = "Yes, the blue one please.\r\nThanks!\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Acme <reply+x@r.example> wrote:\r\n> Which colour?\r\n> -- \r\n";
        assert_eq!(strip_reply(gmail), "Yes, the blue one please.\nThanks!");
        let wrapped = "Sure\n\nOn Mon, 7 Dec 2026 at 10:00, Acme Support Team <reply+abc@r.example>\nwrote:\n> hi";
        assert_eq!(strip_reply(wrapped), "Sure");
        let outlook = "Ok\n\n________________________________\nFrom: Acme\nSent: Monday\nTo: me\n\nold";
        assert_eq!(strip_reply(outlook), "Ok");
        let outlook2 = "Fine by me\n\nFrom: Acme <a@b>\nSent: Monday, December 7\nSubject: Re: x\n\nold text";
        assert_eq!(strip_reply(outlook2), "Fine by me");
        // Written below the quote, or between quotes: kept.
        let below = "On Mon, 7 Dec 2026 at 10:00, Acme <a@b> wrote:\n> Which colour?\n\nBlue, please.";
        assert_eq!(strip_reply(below), "Blue, please.");
        let between = "On Mon, Acme wrote:\n> Size?\nLarge\n\n> Colour?\nBlue";
        assert_eq!(strip_reply(between), "Large\n\nBlue");
        // A message that merely starts with "From:" and "To:" is a message.
        assert_eq!(strip_reply("From: Oslo\nTo: Bergen, what does it cost?"), "From: Oslo\nTo: Bergen, what does it cost?");
        let sig = "See attached.\n\n-- \nJane Doe\nCEO";
        assert_eq!(strip_reply(sig), "See attached.");
        let mobile = "On my way\n\nSent from my iPhone";
        assert_eq!(strip_reply(mobile), "On my way");
        let french = "Merci\n\nLe lun. 7 déc. 2026 à 10:00, Acme <a@b> a écrit :\n> Bonjour";
        assert_eq!(strip_reply(french), "Merci");
        let inline = "> Which size?\nLarge\n> And colour?\nBlue";
        assert_eq!(strip_reply(inline), "Large\nBlue");
        // A sentence that merely mentions writing is kept.
        assert_eq!(strip_reply("On reflection I wrote: nothing"), "On reflection I wrote: nothing");
    }

    #[test]
    fn auto_replies_bounces_and_reports_are_automatic() {
        assert!(automatic(&h(&[("auto-submitted", "auto-replied")]), Some("a@b")).is_some());
        assert!(automatic(&h(&[("auto-submitted", "no")]), Some("a@b")).is_none());
        assert!(automatic(&h(&[("precedence", "bulk")]), None).is_some());
        assert!(automatic(&h(&[("x-autoreply", "yes")]), None).is_some());
        assert!(automatic(&h(&[("content-type", "multipart/report; report-type=delivery-status")]), None).is_some());
        assert!(automatic(&h(&[("from", "Mail Delivery System <MAILER-DAEMON@mx.example>")]), None).is_some());
        assert!(automatic(&[], Some("<>")).is_some());
        assert!(automatic(&h(&[("from", "Jane <jane@example.com>")]), Some("jane@example.com")).is_none());
    }

    #[test]
    fn dmarc_failures_are_read_from_authentication_results() {
        assert!(dmarc_failed(&h(&[("authentication-results", "mx.example; spf=pass smtp.mailfrom=a.com; dmarc=fail (p=REJECT) header.from=a.com")])));
        assert!(!dmarc_failed(&h(&[("authentication-results", "mx.example; dmarc=pass header.from=a.com")])));
        assert!(!dmarc_failed(&h(&[("received", "dmarc=fail")])));
    }
}
