import { useEffect, useState } from 'react';

/** Loads a value when `deps` change; a newer load or unmount discards an older answer. */
export function useAsyncValue<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { loading: boolean; value?: T; error?: Error } {
  const [state, setState] = useState<{
    loading: boolean;
    value?: T;
    error?: Error;
  }>({ loading: true });
  useEffect(() => {
    let current = true;
    setState(s => ({ ...s, loading: true }));
    load().then(
      value => current && setState({ loading: false, value }),
      error => current && setState({ loading: false, error }),
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}
