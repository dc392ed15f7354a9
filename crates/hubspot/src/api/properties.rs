//! Property definitions and groups: list, get, create, batch create.

use serde::{Deserialize, Serialize};

use super::PROPERTY_BATCH_CREATE_MAX;
use crate::client::HubSpotClient;
use crate::error::Error;
use crate::http::Request;
use crate::model::batch::BatchResponse;
use crate::model::{
    BatchResult, ChunkFailure, ObjectType, Property, PropertyCreate, PropertyGroup,
    PropertyGroupCreate,
};

#[derive(Deserialize)]
struct Results<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
}

#[derive(Serialize)]
struct Inputs<'a, T> {
    inputs: &'a [T],
}

fn properties_path(ty: ObjectType, rest: &[&str]) -> Vec<String> {
    let mut path: Vec<String> = ["crm", "v3", "properties", ty.as_str()]
        .map(str::to_owned)
        .to_vec();
    path.extend(rest.iter().map(|s| (*s).to_owned()));
    path
}

impl HubSpotClient {
    /// Every property definition of an object type.
    pub async fn list_properties(&self, ty: ObjectType) -> Result<Vec<Property>, Error> {
        let page: Results<Property> = self
            .send_json(&Request::get(properties_path(ty, &[])))
            .await?;
        Ok(page.results)
    }

    /// One property definition; [`Error::NotFound`] when it does not exist.
    pub async fn get_property(&self, ty: ObjectType, name: &str) -> Result<Property, Error> {
        self.send_json(&Request::get(properties_path(ty, &[name])))
            .await
    }

    /// Creates a property; [`Error::Conflict`] when one with that name exists.
    pub async fn create_property(
        &self,
        ty: ObjectType,
        property: &PropertyCreate,
    ) -> Result<Property, Error> {
        let req = Request::post(properties_path(ty, &[])).json(property)?;
        self.send_json(&req).await
    }

    /// Creates many properties (chunks of ≤ 100). Per-property failures are in `errors`;
    /// returns `Err` only when no chunk got through.
    pub async fn batch_create_properties(
        &self,
        ty: ObjectType,
        properties: &[PropertyCreate],
    ) -> Result<BatchResult<Property>, Error> {
        let path = properties_path(ty, &["batch", "create"]);
        let mut out = BatchResult::default();
        for chunk in properties.chunks(PROPERTY_BATCH_CREATE_MAX) {
            let req = Request::post(path.clone()).json(&Inputs { inputs: chunk })?;
            match self.send_json::<BatchResponse<Property>>(&req).await {
                Ok(page) => out.absorb(page),
                Err(error) => {
                    let ids = chunk.iter().map(|p| p.name.clone()).collect();
                    out.failed_chunks.push(ChunkFailure { ids, error });
                }
            }
        }
        if out.results.is_empty() && out.errors.is_empty() && !out.failed_chunks.is_empty() {
            return Err(out.failed_chunks.swap_remove(0).error);
        }
        Ok(out)
    }

    /// Every property group of an object type.
    pub async fn list_property_groups(&self, ty: ObjectType) -> Result<Vec<PropertyGroup>, Error> {
        let page: Results<PropertyGroup> = self
            .send_json(&Request::get(properties_path(ty, &["groups"])))
            .await?;
        Ok(page.results)
    }

    /// One property group; [`Error::NotFound`] when it does not exist.
    pub async fn get_property_group(
        &self,
        ty: ObjectType,
        name: &str,
    ) -> Result<PropertyGroup, Error> {
        self.send_json(&Request::get(properties_path(ty, &["groups", name])))
            .await
    }

    /// Creates a property group; [`Error::Conflict`] when it exists.
    pub async fn create_property_group(
        &self,
        ty: ObjectType,
        group: &PropertyGroupCreate,
    ) -> Result<PropertyGroup, Error> {
        let req = Request::post(properties_path(ty, &["groups"])).json(group)?;
        self.send_json(&req).await
    }
}
