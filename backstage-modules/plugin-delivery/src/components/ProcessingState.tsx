import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import type { EntityState } from '@stagedoor/common';

/** Each entity's processing state, with the catalog's processing errors when it failed. */
export function ProcessingState(props: { entities: EntityState[] }) {
  if (props.entities.length === 0) return <>not in the last push</>;
  return (
    <div>
      {props.entities.map(e => (
        <div key={e.entityRef}>
          {e.state === 'processed' && (
            <StatusOK>{e.entityRef}: processed</StatusOK>
          )}
          {e.state === 'pending' && (
            <StatusPending>{e.entityRef}: pending</StatusPending>
          )}
          {e.state === 'failed' && (
            <StatusError>{e.entityRef}: failed</StatusError>
          )}
          {e.errors.map((error, i) => (
            <div key={i} data-testid="processing-error">
              {error.name}: {error.message}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}
