import { ApiProperty } from '@nestjs/swagger';

export class UsernameResponseDto {
  @ApiProperty({ example: 'hawk' }) username: string;
}

export class TokenResponseDto {
  @ApiProperty({
    example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIxIn0.c2ln',
  })
  token: string;

  @ApiProperty({ example: 600, description: 'Approximate number of seconds the token is valid' })
  duration: number;
}

export class ResourceResponseDto {
  @ApiProperty({ example: 'Hello, hawk!' }) data: string;
}
