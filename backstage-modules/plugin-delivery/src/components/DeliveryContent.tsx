import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { SourceDetails } from './SourceDetails';
import { useEntitySource } from './useEntitySource';

/** The entity page's Delivery tab: the whole last push of the entity's source. */
export function DeliveryContent() {
  const { loading, value, error, sourceKey, entity } = useEntitySource();
  return (
    <Content>
      <InfoCard title={`Delivery: ${sourceKey}`}>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && !loading && <SourceDetails status={value} entity={entity} />}
      </InfoCard>
    </Content>
  );
}
