//! The store's rules, apart from HTTP and SQL: what a hire must satisfy, what each step of a
//! running session charges, and how an ending settles. Handlers and the runner ask these
//! functions; `db` writes what they decide. Tested here without a server or a database.

pub mod account;
pub mod session;
