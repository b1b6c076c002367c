//! Pages of the app, and [`Page`]: the one place their paths are spelled, both ways (links
//! are made with [`Page::path`], the current URL is read with [`Page::parse`]).

pub mod not_found;
pub mod order;
pub mod product;
pub mod status;

use haoka_shared::api::status_page_path;

/// Path prefix of an order's status page (`/orders/{id}`).
const ORDERS_PREFIX: &str = "/orders/";
/// Path prefix of a product's page (`/products/{pid}`).
const PRODUCTS_PREFIX: &str = "/products/";
/// Query parameter holding the order's token (`?t=…`).
pub const TOKEN_QUERY: &str = "t";

/// Which order: its number and the token from its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    /// Order number.
    pub id: String,
    /// The token from the link (empty when the link lost it).
    pub token: String,
}

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: the order journey and "my orders".
    Home,
    /// `/orders/{id}?t={token}`: one order's status.
    Order(OrderRef),
    /// `/products/{pid}`: one product in full, shareable.
    Product(String),
}

impl Page {
    /// The status page of an order.
    pub fn order(id: &str, token: &str) -> Page {
        Page::Order(OrderRef {
            id: id.to_owned(),
            token: token.to_owned(),
        })
    }

    /// The link to this page.
    pub fn path(&self) -> String {
        match self {
            Page::Home => "/".into(),
            // The edge builds the same link (shared), so both agree by construction.
            Page::Order(o) => status_page_path(&o.id, &o.token),
            Page::Product(pid) => format!("{PRODUCTS_PREFIX}{pid}"),
        }
    }

    /// The page at a URL path (percent-decoded) with its `t` query parameter; `None` for a
    /// path the app does not know.
    pub fn parse(path: &str, token: Option<String>) -> Option<Page> {
        if path == "/" {
            return Some(Page::Home);
        }
        let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
        if let Some(pid) = path.strip_prefix(PRODUCTS_PREFIX) {
            return plain(pid).then(|| Page::Product(pid.to_owned()));
        }
        let id = path.strip_prefix(ORDERS_PREFIX)?;
        plain(id).then(|| {
            Page::Order(OrderRef {
                id: id.to_owned(),
                token: token.unwrap_or_default(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_read_back_as_the_same_page() {
        let order = Page::order("HK1", "abc");
        assert_eq!(
            order.path(),
            format!("{ORDERS_PREFIX}HK1?{TOKEN_QUERY}=abc")
        );
        let link = order.path();
        let (path, _) = link.split_once('?').unwrap_or_default();
        assert_eq!(Page::parse(path, Some("abc".into())), Some(order));
        assert_eq!(Page::parse(&Page::Home.path(), None), Some(Page::Home));
        let product = Page::Product("2201".into());
        assert_eq!(product.path(), "/products/2201");
        assert_eq!(Page::parse(&product.path(), None), Some(product));
    }

    #[test]
    fn unknown_paths_are_no_page() {
        assert_eq!(Page::parse("/orders/", None), None);
        assert_eq!(Page::parse("/orders/HK1/x", None), None);
        assert_eq!(Page::parse("/admin", None), None);
        assert_eq!(Page::parse("/products/", None), None);
        assert_eq!(Page::parse("/products/22/x", None), None);
        // A link without its token still names the order; the page says it cannot open it.
        assert_eq!(
            Page::parse("/orders/HK1", None),
            Some(Page::order("HK1", ""))
        );
    }
}
