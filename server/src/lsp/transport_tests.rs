//! The transport on bytes in memory: framing, refusals, and whole conversations with the
//! service. `tests/lsp/test_hostile.py` sends the same over a real process's pipes.

use serde_json::{json, Value};
use tower_lsp_server::LspService;

use super::transport::{decode, serve, Decoded, Ending, Frame, Reader, MAX_BODY, MAX_HEADERS};
use super::Backend;

fn framed(body: &[u8]) -> Vec<u8> {
    let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    message.extend_from_slice(body);
    message
}

fn message(value: Value) -> Vec<u8> {
    framed(value.to_string().as_bytes())
}

async fn frames(input: Vec<u8>) -> Vec<Frame> {
    let mut reader = Reader::new(std::io::Cursor::new(input));
    let mut frames = Vec::new();
    while let Some(frame) = reader.next().await.unwrap() {
        frames.push(frame);
    }
    frames
}

fn bad(frame: &Frame) -> &str {
    match frame {
        Frame::BadHeaders(why) => why,
        other => panic!("expected bad headers, got {other:?}"),
    }
}

#[tokio::test]
async fn frames_are_read_whatever_the_case_of_the_header_and_the_line_breaks() {
    let input = [
        framed(b"one"),
        b"content-length: 3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\ntwo".to_vec(),
        // A bare \n, and line breaks between messages.
        b"\r\n\nContent-Length:5\n\nthree".to_vec(),
    ]
    .concat();
    assert_eq!(
        frames(input).await,
        [Frame::Body(b"one".to_vec()), Frame::Body(b"two".to_vec()), Frame::Body(b"three".to_vec())]
    );
}

#[tokio::test]
async fn bad_headers_are_reported_and_skipped_to_the_next_content_length() {
    let next = framed(b"next");
    for (headers, why) in [
        (&b"Content-Type: text/plain\r\n\r\n{\"id\": 1}"[..], "a message without a Content-Length header"),
        (b"Content-Length: -5\r\n\r\n{}", "Content-Length `-5` is not a number of bytes"),
        (b"Content-Length: 12abc\r\n\r\n{}", "Content-Length `12abc` is not a number of bytes"),
        (
            b"Content-Length: 99999999999999999999999\r\n\r\n{}",
            "Content-Length `99999999999999999999999` is beyond any length",
        ),
        (b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "two different Content-Length headers"),
        (b"hello\r\n\r\n", "`hello` is not a header (`Name: value`)"),
    ] {
        let got = frames([headers, &next[..]].concat()).await;
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(bad(&got[0]), why);
        assert_eq!(got[1], Frame::Body(b"next".to_vec()));
    }
    // A line that is not a header spoils the message's headers: the message is lost.
    let got = frames([&b"garbage\r\n"[..], &next, &next].concat()).await;
    assert_eq!(bad(&got[0]), "`garbage` is not a header (`Name: value`)");
    assert_eq!(got[1..], [Frame::Body(b"next".to_vec())]);
}

#[tokio::test]
async fn endless_headers_are_cut_off() {
    let input = [vec![b'x'; 3 * MAX_HEADERS], framed(b"next")].concat();
    let got = frames(input).await;
    assert!(bad(&got[0]).starts_with("more than 8192 bytes of headers"), "{got:?}");
    assert_eq!(got[1..], [Frame::Body(b"next".to_vec())]);
}

#[tokio::test]
async fn a_body_over_the_limit_is_skipped_without_being_kept() {
    let length = MAX_BODY + 1;
    let mut input = format!("Content-Length: {length}\r\n\r\n").into_bytes();
    input.resize(input.len() + length as usize, b' ');
    input.extend(framed(b"next"));
    assert_eq!(frames(input).await, [Frame::TooLong(length), Frame::Body(b"next".to_vec())]);
    // Announced and not sent: the input ends inside the body.
    let input = b"Content-Length: 4294967296\r\n\r\n{}".to_vec();
    assert_eq!(frames(input).await, [Frame::TooLong(1 << 32)]);
}

#[tokio::test]
async fn the_input_may_end_anywhere() {
    assert_eq!(frames(b"Content-Len".to_vec()).await, []);
    assert_eq!(frames(b"Content-Length: 10\r\n\r\n{}".to_vec()).await, []);
    assert_eq!(frames(Vec::new()).await, []);
}

fn refused(decoded: Decoded) -> Value {
    match decoded {
        Decoded::Refused(answer) => serde_json::to_value(answer).unwrap(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn bodies_that_are_not_messages_are_refused_with_the_json_rpc_code() {
    for (body, code, id) in [
        (&b"{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"textDocument/hov"[..], -32700, Value::Null),
        (b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\xfe\"}", -32700, Value::Null),
        (b"", -32700, Value::Null),
        (b"{}", -32600, Value::Null),
        (b"[]", -32600, Value::Null),
        (b"[{\"jsonrpc\": \"2.0\", \"method\": \"initialized\"}]", -32600, Value::Null),
        (b"42", -32600, Value::Null),
        (b"{\"jsonrpc\": \"1.0\", \"id\": 3, \"method\": \"shutdown\"}", -32600, json!(3)),
        (b"{\"jsonrpc\": \"2.0\", \"id\": \"a\"}", -32600, json!("a")),
        (b"{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": 12}", -32600, json!(4)),
        (b"{\"jsonrpc\": \"2.0\", \"id\": {\"x\": 1}, \"method\": \"shutdown\"}", -32600, Value::Null),
        (b"{\"jsonrpc\": \"2.0\", \"id\": 1.5, \"method\": \"shutdown\"}", -32600, Value::Null),
    ] {
        let answer = refused(decode(body));
        assert_eq!(answer["error"]["code"], code, "{}", String::from_utf8_lossy(body));
        assert_eq!(answer["id"], id, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn messages_are_requests_notifications_or_responses() {
    let request = decode(br#"{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}"#);
    assert!(matches!(request, Decoded::Request(r) if r.method() == "shutdown" && r.id().is_some()));
    let notification = decode(br#"{"jsonrpc": "2.0", "method": "initialized", "params": {}}"#);
    assert!(matches!(notification, Decoded::Request(r) if r.id().is_none()));
    let response = decode(br#"{"jsonrpc": "2.0", "id": 1, "result": [{}]}"#);
    assert!(matches!(response, Decoded::Response(_)));
    let unreadable = decode(br#"{"jsonrpc": "2.0", "id": 1, "error": "no"}"#);
    assert!(matches!(unreadable, Decoded::Unreadable(_)));
}

/// What the server wrote.
#[derive(Clone, Default)]
struct Output(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl tokio::io::AsyncWrite for Output {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        bytes: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        std::task::Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Runs a whole conversation: `input`, then the end of the input; returns how it ended and
/// every message the server wrote.
async fn converse(input: Vec<u8>) -> (Ending, Vec<Value>) {
    let (notifications, notifications_out) = super::transport::notifications();
    let (service, socket) = LspService::new(|client| Backend::new(client, notifications));
    let output = Output::default();
    let grace = std::time::Duration::from_millis(200);
    let ending = serve(std::io::Cursor::new(input), output.clone(), service, socket, notifications_out, grace).await;
    let bytes = output.0.lock().unwrap().clone();
    let mut messages = Vec::new();
    let mut reader = Reader::new(std::io::Cursor::new(bytes));
    while let Some(frame) = reader.next().await.unwrap() {
        let Frame::Body(body) = frame else { panic!("the server wrote a bad frame: {frame:?}") };
        messages.push(serde_json::from_slice(&body).unwrap());
    }
    (ending, messages)
}

fn answer(messages: &[Value], id: Value) -> &Value {
    messages.iter().find(|m| m["id"] == id && m.get("method").is_none()).unwrap_or_else(|| panic!("no answer to {id}"))
}

fn initialize() -> Vec<u8> {
    [
        message(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})),
        message(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}})),
    ]
    .concat()
}

fn hover(id: i64) -> Vec<u8> {
    let position = json!({"textDocument": {"uri": "file:///a.mailflow.yaml"}, "position": {"line": 0, "character": 0}});
    message(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": position}))
}

#[tokio::test]
async fn the_server_answers_bad_input_and_goes_on_to_a_clean_exit() {
    let input = [
        initialize(),
        framed(b"{}"),
        framed(b"{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"textDocument/hov"),
        b"Content-Length: -1\r\n\r\n{}".to_vec(),
        hover(2),
        message(json!({"jsonrpc": "2.0", "id": 3, "method": "$/mailflow/unknown"})),
        message(json!({"jsonrpc": "2.0", "method": "$/mailflow/unknownNotification"})),
        message(json!({"jsonrpc": "2.0", "id": 4, "method": "mailflow/unknown"})),
        message(json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown"})),
        message(json!({"jsonrpc": "2.0", "method": "exit"})),
        // Not read: the server has exited.
        hover(6),
    ]
    .concat();
    let (ending, messages) = converse(input).await;
    assert_eq!(ending, Ending { exited: true, shutdown: true });
    assert_eq!(ending.status(), 0);
    let errors: Vec<i64> =
        messages.iter().filter(|m| m["id"].is_null()).map(|m| m["error"]["code"].as_i64().unwrap()).collect();
    assert_eq!(errors, [-32600, -32700, -32700]);
    assert_eq!(answer(&messages, json!(2))["result"], Value::Null);
    assert_eq!(answer(&messages, json!(3))["error"]["code"], -32601);
    assert_eq!(answer(&messages, json!(4))["error"]["code"], -32601);
    assert_eq!(answer(&messages, json!(5))["result"], Value::Null);
    assert!(messages.iter().all(|m| m["id"] != 6), "{messages:?}");
    // Every request was answered once; nothing else but the five refusals and answers.
    assert_eq!(messages.iter().filter(|m| m.get("method").is_none()).count(), 8, "{messages:?}");
}

#[tokio::test]
async fn exit_without_shutdown_is_status_1_and_the_end_of_input_is_0() {
    let (ending, _) = converse([initialize(), message(json!({"jsonrpc": "2.0", "method": "exit"}))].concat()).await;
    assert_eq!((ending, ending.status()), (Ending { exited: true, shutdown: false }, 1));
    let (ending, messages) = converse([initialize(), hover(2)].concat()).await;
    assert_eq!((ending, ending.status()), (Ending { exited: false, shutdown: false }, 0));
    assert_eq!(answer(&messages, json!(2))["result"], Value::Null);
}

/// The outline, folding ranges and semantic tokens are written by their handlers, straight
/// from their types: each is the answer to its own request, with the request's id.
#[tokio::test]
async fn answers_written_by_their_handlers_answer_their_requests() {
    let yaml = "mailflow: 1\ntransportRules:\n  - name: A\n    priority: 0\n    stopProcessingMoreRules: true\n";
    let dsl = "mailflow 1\nrule \"A\" priority 0 {\n  if sender is inside\n  stop processing\n}\n";
    let open = |uri: &str, language: &str, text: &str| {
        let document = json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}});
        message(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": document}))
    };
    let (yaml_uri, dsl_uri) = ("file:///a.mailflow.yaml", "file:///a.mailflow");
    let ask = |id: Value, method: &str, uri: &str| {
        message(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": {"textDocument": {"uri": uri}}}))
    };
    let input = [
        initialize(),
        open(yaml_uri, "yaml", yaml),
        open(dsl_uri, "mailflow", dsl),
        ask(json!("outline"), "textDocument/documentSymbol", yaml_uri),
        ask(json!(3), "textDocument/foldingRange", yaml_uri),
        ask(json!(4), "textDocument/semanticTokens/full", dsl_uri),
    ]
    .concat();
    let (_, messages) = converse(input).await;
    let outline = answer(&messages, json!("outline"));
    assert_eq!(outline["jsonrpc"], "2.0");
    assert_eq!(outline["result"][0]["name"], "A", "{outline}");
    let folds =
        json!([{"startLine": 1, "endLine": 4, "kind": "region"}, {"startLine": 2, "endLine": 4, "kind": "region"}]);
    assert_eq!(answer(&messages, json!(3))["result"], folds);
    let tokens = &answer(&messages, json!(4))["result"]["data"];
    assert!(tokens.as_array().is_some_and(|data| !data.is_empty() && data.len() % 5 == 0), "{tokens}");
    assert_eq!(messages.iter().filter(|m| m.get("method").is_none()).count(), 4, "{messages:?}");
}
