//! A fixed-body HTTP/1.1 server on 127.0.0.1 for the overhead benchmarks: keep-alive,
//! answers every (bodiless) request at once with bytes given up front, so nearly all
//! the time measured is the client's. One thread with a current-thread Tokio runtime
//! serves every connection, as the sandbox does: the clients compared, each with its
//! own connection, then meet the same server thread (with a thread per connection,
//! where the scheduler put each one skewed the comparison by up to ±25 %).

use std::net::Ipv4Addr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

/// Starts the server; returns its base URL (ending in `/api`, like the sandbox's).
pub fn start_fixed_server(get: &[u8], list: &[u8]) -> String {
    let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a port");
    std_listener
        .set_nonblocking(true)
        .expect("a non-blocking socket");
    let addr = std_listener.local_addr().expect("the bound address");
    let bodies = Arc::new((http_response(get), http_response(list)));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).expect("a Tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                let bodies = bodies.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(stream, &bodies.0, &bodies.1).await;
                });
            }
        });
    });
    format!("http://{addr}/api")
}

/// A complete HTTP/1.1 200 response with `body`, as the sandbox sends it.
fn http_response(body: &[u8]) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-request-id: fixed\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body);
    response
}

/// Answers bodiless requests on one keep-alive connection: the list body for
/// `…/groups`, the group body for anything else.
async fn serve_connection(stream: TcpStream, get: &[u8], list: &[u8]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut pending: Vec<u8> = Vec::with_capacity(4096);
    let mut buf = [0u8; 4096];
    loop {
        // Answer every complete request head received so far.
        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            pending.drain(..end + 4);
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            let is_list = path
                .split('?')
                .next()
                .unwrap_or_default()
                .ends_with("/groups");
            write_all(&stream, if is_list { list } else { get }).await?;
        }
        stream.readable().await?;
        match stream.try_read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
