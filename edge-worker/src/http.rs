//! Converting between the runtime's requests and answers and the edge app's: the method,
//! path, decoded query and headers in (the body stays with the request, read through the
//! platform), the status, headers and bytes out.

use haoka_edge_app::http::{Incoming, Method, Reply};
use worker::{Headers, Request, Response, ResponseBuilder};

/// `req` as the routes read it (without its body).
pub fn incoming(req: &Request) -> Result<Incoming, worker::Error> {
    let query = req
        .url()?
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Incoming::new(
        Method::parse(req.method().as_ref()),
        req.path(),
        query,
        req.headers().entries().collect(),
    ))
}

/// `reply` as the runtime's answer (no body for a 204, which may carry none).
pub fn response(reply: Reply) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &reply.headers {
        headers.append(name, value)?;
    }
    let builder = ResponseBuilder::new()
        .with_status(reply.status)
        .with_headers(headers);
    Ok(if reply.status == 204 {
        builder.empty()
    } else {
        builder.fixed(reply.body)
    })
}
