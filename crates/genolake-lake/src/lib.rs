//! genolake-lake
