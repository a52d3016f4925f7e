//! genolake-sql
