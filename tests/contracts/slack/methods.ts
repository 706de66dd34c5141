import type { AuthRevokeArguments, AuthTestArguments, ChatGetPermalinkArguments, ChatPostMessageArguments, ConversationsListArguments, DndEndSnoozeArguments, DndInfoArguments, DndSetSnoozeArguments, SearchMessagesArguments, UsersGetPresenceArguments, UsersInfoArguments, UsersLookupByEmailArguments, UsersProfileGetArguments, UsersProfileSetArguments, OAuthV2AccessArguments } from './request/index';
import type { AuthRevokeResponse, AuthTestResponse, ChatGetPermalinkResponse, ChatPostMessageResponse, ConversationsListResponse, DndEndSnoozeResponse, DndInfoResponse, DndSetSnoozeResponse, SearchMessagesResponse, UsersGetPresenceResponse, UsersInfoResponse, UsersLookupByEmailResponse, UsersProfileGetResponse, UsersProfileSetResponse, OauthV2AccessResponse } from './response/index';
export interface Requests {
  "auth.revoke": NonNullable<AuthRevokeArguments>;
  "auth.test": NonNullable<AuthTestArguments>;
  "chat.getPermalink": ChatGetPermalinkArguments;
  "chat.postMessage": ChatPostMessageArguments;
  "conversations.list": NonNullable<ConversationsListArguments>;
  "dnd.endSnooze": NonNullable<DndEndSnoozeArguments>;
  "dnd.info": NonNullable<DndInfoArguments>;
  "dnd.setSnooze": DndSetSnoozeArguments;
  "search.messages": SearchMessagesArguments;
  "users.getPresence": UsersGetPresenceArguments;
  "users.info": UsersInfoArguments;
  "users.lookupByEmail": UsersLookupByEmailArguments;
  "users.profile.get": UsersProfileGetArguments;
  "users.profile.set": UsersProfileSetArguments;
  "oauth.v2.access": OAuthV2AccessArguments;
}
export interface Responses {
  "auth.revoke": AuthRevokeResponse;
  "auth.test": AuthTestResponse;
  "chat.getPermalink": ChatGetPermalinkResponse;
  "chat.postMessage": ChatPostMessageResponse;
  "conversations.list": ConversationsListResponse;
  "dnd.endSnooze": DndEndSnoozeResponse;
  "dnd.info": DndInfoResponse;
  "dnd.setSnooze": DndSetSnoozeResponse;
  "search.messages": SearchMessagesResponse;
  "users.getPresence": UsersGetPresenceResponse;
  "users.info": UsersInfoResponse;
  "users.lookupByEmail": UsersLookupByEmailResponse;
  "users.profile.get": UsersProfileGetResponse;
  "users.profile.set": UsersProfileSetResponse;
  "oauth.v2.access": OauthV2AccessResponse;
}
