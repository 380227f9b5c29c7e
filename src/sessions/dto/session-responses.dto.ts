import { ApiProperty } from '@nestjs/swagger';

export class GroupDto {
  @ApiProperty({ example: 12345 }) id: number;
  @ApiProperty({ example: 'engineering' }) name: string;
  @ApiProperty({ type: String, example: '...', nullable: true }) description: string | null;
  @ApiProperty({ type: () => [GroupDto] }) children: GroupDto[];
}

/** The session API's User, without the `password` its document shows. */
export class SessionUserDto {
  @ApiProperty({ example: 12345 }) id: number;
  @ApiProperty({ type: String, example: '...', nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, example: '...', nullable: true }) lastName: string | null;
  @ApiProperty({ type: String, example: '...', nullable: true }) description: string | null;
  @ApiProperty({ type: String, example: '...', nullable: true }) email: string | null;
  @ApiProperty({ type: [GroupDto] }) groups: GroupDto[];
  @ApiProperty({ example: '...' }) login: string;
}

export class MessageDto {
  @ApiProperty({ example: '...' }) fieldName: string;
  @ApiProperty({ example: '...' }) message: string;
  @ApiProperty({ enum: ['SUCCESS', 'INFO', 'WARNING', 'CRITICAL', 'NEUTRAL'], example: 'SUCCESS' })
  type: string;
  @ApiProperty({ example: 12345 }) timestamp: number;
  @ApiProperty({ example: 12345 }) id: number;
}

export class ResponseInfoDto {
  @ApiProperty({
    enum: ['OK', 'NOTFOUND', 'INVALIDDATA', 'FAILURE', 'PERMISSION', 'AUTHREQUIRED'],
    example: 'OK',
  })
  responseCode: string;
  @ApiProperty({ example: 'Successfully validated given SID' }) responseMessage: string;
  @ApiProperty({ example: '...' }) property: string;
}

export class GenericResponseDto {
  @ApiProperty({ type: [MessageDto] }) messages: MessageDto[];
  @ApiProperty({ type: ResponseInfoDto }) responseInfo: ResponseInfoDto;
}

export class AuthenticationResponseDto extends GenericResponseDto {
  @ApiProperty({ type: SessionUserDto }) user: SessionUserDto;
}

export class LoginResponseDto extends AuthenticationResponseDto {
  @ApiProperty({ example: '12345' }) sid: string;
}

export class HashPasswordResponseDto extends AuthenticationResponseDto {
  @ApiProperty({ example: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW' })
  hash: string;
}
