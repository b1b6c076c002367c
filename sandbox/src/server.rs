//! The accept loop. Hand-rolled over hyper so that a handler can close its connection without
//! any response — what Xingguang does to a repeated `api_xid`, and the `close` fault.

use std::{convert::Infallible, sync::Arc};

use axum::{Router, body::Body, extract::Request};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto::Builder,
};
use tokio::{net::TcpListener, sync::Notify};
use tower::ServiceExt;

/// Put in every request's extensions: `close()` drops the connection unanswered.
#[derive(Clone, Debug)]
pub struct Closer(Arc<Notify>);

impl Closer {
    /// Drop the connection now; the caller should then never return (see [`Closer::hang_up`]).
    pub fn close(&self) {
        self.0.notify_one();
    }

    /// Close the connection and wait forever: the handler's future is dropped with it.
    pub async fn hang_up(&self) -> axum::response::Response {
        self.close();
        std::future::pending().await
    }
}

/// Serve `app` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let app = app.clone();
        tokio::spawn(async move {
            let closer = Closer(Arc::new(Notify::new()));
            let c = closer.clone();
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(c.clone());
                    let req: Request = req.map(Body::new);
                    let app = app.clone();
                    async move {
                        Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {}))
                    }
                },
            );
            let builder = Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = closer.0.notified() => {}
            }
        });
    }
}
