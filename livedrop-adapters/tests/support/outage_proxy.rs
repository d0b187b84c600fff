//! A TCP relay in front of a service that a test can take away and bring back, as a
//! stopped server would be: while down, its port refuses connections and the relayed
//! connections are cut.

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct OutageProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    upstream: SocketAddr,
    /// The accept loop and every relayed connection; aborting them is the outage.
    tasks: std::sync::Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl OutageProxy {
    /// Relays a port of its own to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let proxy = Self {
            addr: listener.local_addr().expect("the proxy's address"),
            upstream,
            tasks: std::sync::Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().expect("tasks").push(relay);
            }
        });
        self.tasks.lock().expect("tasks").push(accepting);
    }

    /// The service goes away: the port stops listening (connecting is refused) and every
    /// open connection is cut.
    pub fn take_down(&self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
    }

    /// The service is back on the same port.
    pub async fn bring_back(&self) {
        // The aborted accept loop drops its listener at its next poll; until then the
        // port may still be bound.
        for _ in 0..100 {
            if let Ok(listener) = TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the proxy's port {} did not come free", self.addr);
    }
}
