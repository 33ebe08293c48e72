import { MemoryMailboxStore } from '@webrtc-connect/server';
import { mailboxStoreContract } from './mailbox-store-contract.ts';

mailboxStoreContract('memory', async (options = {}) => new MemoryMailboxStore(options));
