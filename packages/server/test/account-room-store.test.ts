import { MemoryRoomStore } from '@webrtc-connect/server';
import { roomStoreContract } from './room-store-contract.ts';

roomStoreContract('memory', async () => new MemoryRoomStore());
