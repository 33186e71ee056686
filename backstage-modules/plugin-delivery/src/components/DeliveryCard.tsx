import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { SourceDetails } from './SourceDetails';
import { useEntitySource } from './useEntitySource';

/** The entity page's Delivery card: what the pipeline last delivered for this entity. */
export function DeliveryCard() {
  const { loading, value, error, entityRef } = useEntitySource();
  return (
    <InfoCard title="Delivery" subheader="Pushed by an Azure DevOps pipeline">
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && !loading && (
        <SourceDetails status={value} entityRef={entityRef} />
      )}
    </InfoCard>
  );
}
