import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { isPlaceholderEntity } from '../annotations';
import { Onboard } from './Onboard';
import { SourceDetails } from './SourceDetails';
import { useEntitySource } from './useEntitySource';

/** The entity page's Delivery card: what the pipeline last delivered for this entity. */
export function DeliveryCard() {
  const { loading, value, error, entityRef, entity } = useEntitySource();
  const placeholder = isPlaceholderEntity(entity);
  return (
    <InfoCard
      title="Delivery"
      subheader={
        placeholder
          ? 'Found by discovery: the repository has no catalog file'
          : 'Pushed by an Azure DevOps pipeline'
      }
    >
      {placeholder && !loading && <Onboard entity={entity} status={value} />}
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && !loading && (
        <SourceDetails status={value} entityRef={entityRef} entity={entity} />
      )}
    </InfoCard>
  );
}
