/**
 * Stagedoor's Delivery plugin for Backstage's new frontend system: an entity card and
 * tab with what an Azure DevOps pipeline pushed for the entity, and a page listing the
 * pushed sources the catalog failed to process.
 *
 * @packageDocumentation
 */
import { deliveryPlugin } from './plugin';

export { deliveryPlugin };
export { deliveryApiRef, DeliveryClient, type DeliveryApi } from './api';
export {
  ANNOTATION_BUILD_ID,
  ANNOTATION_BUILD_URL,
  ANNOTATION_COMMIT,
  ANNOTATION_PLACEHOLDER,
  ANNOTATION_SOURCE_KEY,
  azureDevOpsLinks,
  isPlaceholderEntity,
  isPushedEntity,
} from './annotations';
export default deliveryPlugin;
