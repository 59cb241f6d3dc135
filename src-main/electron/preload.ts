/**
 * The narrow bridge between the sandboxed renderer and the main process: one function per call of
 * the contract, an event subscription, the folder picker and drag-and-drop path lookup. The renderer
 * never sees ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  callNames,
  ipcChannel,
  isEventName,
  type EventName,
  type PreloadBridge,
} from '../contract';
import type { IpcResult } from './host-protocol';

const callSet = new Set<string>(callNames);

/** One function for every call; an unknown name never reaches the main process. */
const invoke: PreloadBridge['invoke'] = async (name, request) => {
  if (!callSet.has(name)) return { ok: false, error: { code: 'bad_request', message: `Unknown call ${String(name)}` } };
  return (await ipcRenderer.invoke(ipcChannel.call(name), request)) as IpcResult;
};

const on: PreloadBridge['on'] = (name, listener) => {
  if (!isEventName(name)) throw new Error(`Unknown event ${String(name)}`);
  const handler = (_event: unknown, eventName: EventName, payload: unknown): void => {
    if (eventName === name) (listener as (payload: unknown) => void)(payload);
  };
  ipcRenderer.on(ipcChannel.event, handler);
  return () => {
    ipcRenderer.removeListener(ipcChannel.event, handler);
  };
};

const bridge: PreloadBridge = {
  invoke,
  on,
  pickFolder: () => ipcRenderer.invoke(ipcChannel.pickFolder) as Promise<string | null>,
  pathForFile: (file: File) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('pretext', bridge);
