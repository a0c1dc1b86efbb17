-- Image management: a tiny placeholder per image, and why a store's image URL failed.
ALTER TABLE product_images ADD COLUMN placeholder text;
ALTER TABLE store_products ADD COLUMN image_fetch_error text;
-- The same bytes are attached to one owner once: a re-upload finds the existing image.
CREATE UNIQUE INDEX product_images_canonical_hash
    ON product_images (canonical_product_id, content_hash) WHERE canonical_product_id IS NOT NULL;
CREATE UNIQUE INDEX product_images_custom_hash
    ON product_images (store_product_id, content_hash) WHERE store_product_id IS NOT NULL;
