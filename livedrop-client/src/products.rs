//! [`ProductsHandler`]: products, their image uploads and a creator's catalog.

use livedrop_core::domain::Product;
use livedrop_core::ids::{CreatorId, ProductId};
use livedrop_core::ports::{ImageType, PresignedUpload};
use livedrop_core::wire::{CreateProductBody, ImageUploadBody};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::call::Call;
use crate::{Client, ClientError, Paged, Result};

/// Products; get one with [`Client::products`].
///
/// ```no_run
/// use livedrop_core::ports::ImageType;
///
/// # async fn example(client: livedrop_client::Client, id: livedrop_core::ids::ProductId) -> Result<(), livedrop_client::ClientError> {
/// let upload = client.products().image_upload_url(id, ImageType::Png).await?;
/// client.products().upload_image(&upload, b"\x89PNG...".to_vec()).await?;
/// println!("served at {}", upload.public_url);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ProductsHandler<'c> {
    client: &'c Client,
}

impl<'c> ProductsHandler<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// `POST /products`. Not repeated on failure (a repeat would add a second product).
    ///
    /// # Errors
    /// `403 forbidden` unless the caller owns the creator; `400` for a refused field.
    pub async fn create(self, body: &CreateProductBody) -> Result<Product> {
        let url = self.client.url(&["products"]);
        self.client
            .fetch(Call::new(Method::POST, url).json(body).authed())
            .await
    }

    /// `GET /api/products/{id}`, through the server's cache (up to 2 min stale).
    ///
    /// # Errors
    /// `404 not_found` for an unknown product.
    pub async fn get(self, id: ProductId) -> Result<Product> {
        let url = self.client.url(&["api", "products", &id.to_string()]);
        self.client.fetch(Call::new(Method::GET, url)).await
    }

    /// `POST /api/products/{id}/images`: a signed URL to upload one image to (10 min, up to
    /// 5 MiB). Repeated on failure: it only signs, so a repeat just signs another key.
    ///
    /// # Errors
    /// `403 forbidden` for another's product, `404` for an unknown one.
    pub async fn image_upload_url(
        &self,
        id: ProductId,
        content_type: ImageType,
    ) -> Result<PresignedUpload> {
        let url = self
            .client
            .url(&["api", "products", &id.to_string(), "images"]);
        let body = ImageUploadBody { content_type };
        let call = Call::new(Method::POST, url).json(&body).authed().retried();
        self.client.fetch(call).await
    }

    /// Sends `image` to a signed upload URL, with the headers it was signed with. The URL
    /// carries its own authorization, so no access token is sent (it may be another host).
    /// Repeated on failure: the object's key is fixed, so a repeat writes the same object.
    ///
    /// # Errors
    /// The store's refusal (`403 upload_expired` / `invalid_signature`, `413`, `415`).
    pub async fn upload_image(self, upload: &PresignedUpload, image: Vec<u8>) -> Result<()> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: upload.url.clone(),
            reason,
        };
        let url = Url::parse(&upload.url).map_err(|error| invalid(error.to_string()))?;
        let method = Method::from_bytes(upload.method.as_bytes())
            .map_err(|error| invalid(error.to_string()))?;
        let mut call = Call::new(method, url).retried().bytes(image);
        for (name, value) in &upload.headers {
            let name =
                HeaderName::try_from(name.as_str()).map_err(|error| invalid(error.to_string()))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|error| invalid(error.to_string()))?;
            call = call.header(name, value);
        }
        self.client.send_call(call).await
    }

    /// `GET /browse/products?creatorId`: a creator's products, newest first.
    ///
    /// # Errors
    /// Reading the list: `404` for an unknown creator.
    pub fn by_creator(self, creator: CreatorId) -> Paged<Product> {
        let url = self.client.url(&["browse", "products"]);
        Paged::new(
            self.client,
            Call::new(Method::GET, url).query("creatorId", creator),
        )
    }
}
