//! Stored files (attachments) through the `object_store` crate: local disk under the
//! data dir by default. Types are sniffed from the bytes, never trusted from the
//! client; active types (SVG, HTML, anything unknown) are only ever downloaded.

use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, PutPayload};

pub struct Files {
    store: Arc<dyn ObjectStore>,
}

/// A stored file being read: its size and its bytes as they arrive.
pub struct Download {
    pub size: u64,
    pub chunks: futures_util::stream::BoxStream<'static, object_store::Result<axum::body::Bytes>>,
}

impl Files {
    /// S3 (or S3-compatible) when a bucket is configured, else local disk under the data dir.
    pub fn from_settings(s: &crate::config::Settings) -> Result<Files, String> {
        let Some(bucket) = &s.s3_bucket else { return Files::local(&s.data_dir.join("files")) };
        let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).with_region(&s.s3_region);
        if let Some(endpoint) = &s.s3_endpoint {
            b = b.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://")).with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&s.s3_access_key_id, &s.s3_secret_access_key) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        let store = b.build().map_err(|e| format!("S3 storage: {e}"))?;
        Ok(Files { store: Arc::new(store) })
    }

    /// Files under `dir` (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Files, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let fs = LocalFileSystem::new_with_prefix(dir).map_err(|e| e.to_string())?;
        Ok(Files { store: Arc::new(fs) })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.store.put(&StorePath::from(key), PutPayload::from(bytes)).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Stores a local file under `key` in parts (an export's archive may be large; its
    /// bytes never all sit in memory). Returns its size.
    pub async fn put_file(&self, key: &str, path: &std::path::Path) -> Result<u64, String> {
        use std::io::Read as _;
        let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let upload = self.store.put_multipart(&StorePath::from(key)).await.map_err(|e| e.to_string())?;
        let mut w = object_store::WriteMultipart::new(upload);
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            w.wait_for_capacity(4).await.map_err(|e| e.to_string())?;
            w.write(&buf[..n]);
            size += n as u64;
        }
        w.finish().await.map_err(|e| e.to_string())?;
        Ok(size)
    }

    /// A stored file as a stream of chunks, with its size.
    pub async fn get_stream(&self, key: &str) -> Result<Download, String> {
        let r = self.store.get(&StorePath::from(key)).await.map_err(|e| e.to_string())?;
        Ok(Download { size: r.meta.size, chunks: r.into_stream() })
    }

    /// Deletes the file; one already gone counts as deleted.
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, String> {
        let r = self.store.get(&StorePath::from(key)).await.map_err(|e| e.to_string())?;
        Ok(r.bytes().await.map_err(|e| e.to_string())?.to_vec())
    }
}

/// The content type from the leading bytes, and whether a browser may show it inline.
pub fn sniff(bytes: &[u8]) -> (&'static str, bool) {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(b"\x89PNG\r\n\x1a\n") {
        ("image/png", true)
    } else if starts(b"\xff\xd8\xff") {
        ("image/jpeg", true)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        ("image/gif", true)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("image/webp", true)
    } else if starts(b"%PDF-") {
        ("application/pdf", false)
    } else if starts(b"PK\x03\x04") {
        ("application/zip", false)
    } else if let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(1024)]) {
        let lower = text.trim_start().to_ascii_lowercase();
        if lower.starts_with("<svg") || lower.starts_with("<?xml") && lower.contains("<svg") {
            ("image/svg+xml", false)
        } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<script") {
            ("text/html", false)
        } else {
            ("text/plain; charset=utf-8", false)
        }
    } else {
        ("application/octet-stream", false)
    }
}

/// A file name safe for a `Content-Disposition` header: no paths, quotes or controls.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("file");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(120).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// A `Content-Disposition` value for a cleaned file name (RFC 6266): an ASCII
/// `filename` for old clients (other characters as `_`) and the exact name as UTF-8 in
/// `filename*` (RFC 8187 percent-encoding), so no raw non-ASCII byte goes into a header.
pub fn content_disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let plain = |c: char| (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\';
    let ascii: String = name.chars().map(|c| if plain(c) { c } else { '_' }).collect();
    if ascii == name {
        return format!("{kind}; filename=\"{name}\"");
    }
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), ("image/png", true));
        assert!(!sniff(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").1);
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>").0, "text/html");
        assert_eq!(sniff(&[0u8, 159, 146, 150]).0, "application/octet-stream");
        assert_eq!(clean_filename("../../etc/\"pass\nwd\""), "passwd");
    }

    #[test]
    fn non_ascii_names_travel_percent_encoded_with_an_ascii_fallback() {
        assert_eq!(content_disposition(false, "report 1.pdf"), "attachment; filename=\"report 1.pdf\"");
        assert_eq!(content_disposition(true, "résumé €.png"), "inline; filename=\"r_sum_ _.png\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.png");
    }
}
