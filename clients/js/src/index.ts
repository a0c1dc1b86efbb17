export { ProductImage, type ProductImageProps } from "./ProductImage.js";
export {
  fetchPictures,
  ImgedgeError,
  MAX_IDS_PER_CALL,
  resolvePicture,
  type FetchPicturesOptions,
} from "./fetchPictures.js";
export { createImgedgeLoader, imgedgeLoader, sizeForWidth } from "./loader.js";
export { SIZE_WIDTHS, SLOT_DEFAULT_SIZES, SLOT_SIZES, type SizeName } from "./sizes.js";
export { imgUrl, pictureFromProduct } from "./urls.js";
export type { Picture, PictureSource, PicturesResponse, ProductLike, Slot } from "./types.js";
