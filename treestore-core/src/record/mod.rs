//! Records: one self-describing shape for every kind of result the stores return (a kind and named,
//! typed fields), so the C ABI, the SDKs and the command line convert each store type once. Input
//! records arrive as JSON objects and are read field by field with errors that name the field.

mod db;
mod document;
mod input;
mod metadata;
mod prompt;
mod search;
mod value;

pub use document::{document_inputs_from_json, DocumentInput};
pub use input::{parse_object, parse_str_list, FromJson, JsonFields, PageQuery};
pub use search::SearchSettingsUpdate;
pub use value::{Field, Record, ToRecord, Value};
