//! The language server driven over stdio by a scripted client, as an editor would: initialize,
//! open a document, receive its diagnostics with exact ranges, edit it, hover a finding, shut
//! down. A change to another open file (the .env that resolves a variable) refreshes the first.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};
use tempfile::TempDir;

struct Client {
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }
    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(|m| m["id"] == id)
    }
    /// The next message matching `pred` (others are skipped); a server that says nothing for
    /// a minute has failed.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .rx
                .recv_timeout(Duration::from_secs(60))
                .expect("no message from the server");
            if pred(&m) {
                return m;
            }
        }
    }
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn uri(p: &std::path::Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

#[test]
fn diagnostics_hover_and_refresh_over_stdio() {
    let d = TempDir::new().unwrap();
    let root = d.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let config = "model_list:\n  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n";
    std::fs::write(root.join("config.yaml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hedge"))
        .arg("lsp")
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    len = n.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            if tx
                .send(serde_json::from_slice::<Value>(&body).unwrap())
                .is_err()
            {
                return;
            }
        }
    });
    let mut c = Client {
        stdin: child.stdin.take().unwrap(),
        rx,
        next_id: 0,
    };
    let init = c.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(root), "capabilities": {} }),
    );
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));

    let doc = uri(&root.join("config.yaml"));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "yaml", "version": 1, "text": config } }),
    );
    let diags = c.diagnostics_for(&doc);
    let route = diags
        .iter()
        .find(|d| d["code"] == "route-without-fallback")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    // 2:17..2:21 in hedge's 1-based terms
    assert_eq!(
        route["range"],
        json!({ "start": { "line": 1, "character": 16 }, "end": { "line": 1, "character": 20 } })
    );
    assert_eq!(route["severity"], 2);
    assert_eq!(route["source"], "hedge");

    // hover on the finding gives the rule's documentation
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": { "line": 1, "character": 18 } }),
    );
    let md = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("route-without-fallback") && md.contains("How to fix it"),
        "{md}"
    );

    // an unsaved edit (a non-ASCII comment shifts UTF-16 columns) moves the finding
    let edited = format!("# modèle ✓\n{}", config.replace("name: chat", "name: chät"));
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 2 }, "contentChanges": [{ "text": edited }] }),
    );
    let diags = c.diagnostics_for(&doc);
    let route = diags
        .iter()
        .find(|d| d["code"] == "route-without-fallback")
        .unwrap();
    assert_eq!(
        route["range"],
        json!({ "start": { "line": 2, "character": 16 }, "end": { "line": 2, "character": 20 } })
    );
    assert!(route["message"].as_str().unwrap().contains("chät"));
    // the file on disk is untouched
    assert_eq!(
        std::fs::read_to_string(root.join("config.yaml")).unwrap(),
        config
    );

    // opening a second file re-evaluates the first too (graph rules span files)
    let other =
        "model_list:\n  - model_name: other\n    litellm_params: {model: openai/gpt-4o-mini}\n";
    std::fs::write(root.join("other.yaml"), other).unwrap();
    let other_uri = uri(&root.join("other.yaml"));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": other_uri, "languageId": "yaml", "version": 1, "text": other } }),
    );
    let diags = c.diagnostics_for(&doc);
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "single-parent-dependency"),
        "{diags:#?}"
    );

    let shutdown = c.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    c.notify("exit", Value::Null);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
