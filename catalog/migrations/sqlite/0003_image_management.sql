-- Image management: a tiny placeholder per image, and why a store's image URL failed.
ALTER TABLE product_images ADD COLUMN placeholder TEXT;
ALTER TABLE store_products ADD COLUMN image_fetch_error TEXT;
