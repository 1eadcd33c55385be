//! Where the widget and dashboard come from: a configured directory wins; without one,
//! the clients built into the server (`widget/dist`, `dashboard/dist` as they were when
//! the server was built: embedded by release builds, read from the repository by debug
//! builds). The headers themselves are checked in `http_contract`.

use std::path::{Path, PathBuf};

use crate::helpers::*;

/// A client's `dist/` folder in this repository, the one the server build uses.
fn dist(client: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(client).join("dist")
}

fn base(app: &TestApp) -> String {
    app.url.trim_end_matches("/graphql").to_owned()
}

#[tokio::test]
async fn a_configured_directory_wins_over_the_clients_built_into_the_server() {
    let empty = tempfile::tempdir().unwrap();
    let (w, d) = (empty.path().to_path_buf(), empty.path().join("missing"));
    let app = spawn_app_with(move |s| {
        s.widget_dir = Some(w);
        s.dashboard_dir = Some(d);
    })
    .await;
    let base = base(&app);

    let loader = app.http.get(format!("{base}/widget.js")).send().await.unwrap();
    assert_eq!(loader.status(), 404, "an empty widget directory serves nothing, whatever the build holds");
    assert_eq!(loader.headers()["access-control-allow-origin"], "*");
    assert!(loader.text().await.unwrap().contains("not built"));

    let dash = app.http.get(format!("{base}/app/")).send().await.unwrap();
    assert_eq!(dash.status(), 200);
    let page = dash.text().await.unwrap();
    assert!(page.contains("The dashboard is not built yet"), "a missing dashboard directory says how to build it: {page}");
}

#[tokio::test]
async fn without_a_directory_the_clients_built_into_the_server_are_served() {
    let app = spawn_app().await;
    let base = base(&app);

    let loader = app.http.get(format!("{base}/widget.js")).send().await.unwrap();
    assert_eq!(loader.headers()["access-control-allow-origin"], "*");
    match std::fs::read(dist("widget").join("widget.js")) {
        Ok(built) => {
            assert_eq!(loader.status(), 200);
            assert!(loader.headers()["cache-control"].to_str().unwrap().contains("max-age=300"));
            assert_eq!(loader.bytes().await.unwrap().as_ref(), built.as_slice(), "the loader is the build's");
            let chunk = std::fs::read_dir(dist("widget"))
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .find(|name| name.contains('-') && name.ends_with(".js"))
                .expect("the widget build has hashed chunks");
            let r = app.http.get(format!("{base}/widget/{chunk}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{chunk}");
            assert_eq!(r.headers()["access-control-allow-origin"], "*");
            assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
        }
        Err(_) => assert_eq!(loader.status(), 404, "no widget build, nothing to serve"),
    }
    assert_eq!(app.http.get(format!("{base}/widget/../Cargo.toml")).send().await.unwrap().status(), 404);

    let dash = app.http.get(format!("{base}/app/conversations/1")).send().await.unwrap();
    assert_eq!(dash.status(), 200);
    let page = dash.text().await.unwrap();
    match std::fs::read_to_string(dist("dashboard").join("index.html")) {
        Ok(index) => {
            assert_eq!(page, index, "client-side routes get the build's index.html");
            let asset = std::fs::read_dir(dist("dashboard").join("assets"))
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .next()
                .expect("the dashboard build has assets");
            let r = app.http.get(format!("{base}/app/assets/{asset}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{asset}");
            assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        }
        Err(_) => assert!(page.contains("The dashboard is not built yet"), "{page}"),
    }
}
