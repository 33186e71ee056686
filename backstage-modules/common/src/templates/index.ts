export {
  SKELETON_FETCH_ACTIONS,
  TEMPLATE_FILE_PATTERNS,
  templateSkeletonFolders,
  templateSkeletonReason,
} from './skeletons';
